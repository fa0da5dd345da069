from djops import cli, manpage


def test_manpage_documents_every_verb_and_event():
    page = manpage.render()
    assert page.startswith(".TH DJOPS 8")
    for verb in cli.VERBS:
        assert f"djops {verb}" in page
    assert "clearsessions.done" in page.replace("\\-", "-")
