from djops import cli, events
from djops.generate import manpage


def test_manpage_documents_every_listed_verb_and_every_event():
    page = manpage.render().replace("\\-", "-")
    assert page.startswith(".TH DJOPS 8")
    for verb, record in cli.VERBS.items():
        short = record.help
        assert (f"djops {verb}" in page) == (short is not None), verb
    for name in events.EVENTS:
        assert name in page


def test_manpage_says_a_plain_systemctl_start_does_not_wait_for_the_run():
    """Issue 19.7: the run units are Type=notify, READY=1 as the run begins."""
    page = manpage.render().replace("\\-", "-")
    clear = page.split("djops-clearsessions@P.timer, .service", 1)[1].split(".TP", 1)[0]
    assert "Type=notify" in clear and "returns as the run begins" in clear
    assert "systemctl start --wait" in clear
