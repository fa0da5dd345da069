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
