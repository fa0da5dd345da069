"""The mail that says a ping or Apprise queue dropped messages."""

from djops.channels import dropmail, dropped


def test_one_dropped_notice_is_singular_in_the_journal_and_the_mail(project, sent, monkeypatch):
    subjects: list[str] = []
    monkeypatch.setattr(
        dropmail.sendmail, "compose", lambda p, kind, subject, *a: subjects.append(subject)
    )
    monkeypatch.setattr(dropmail.mail, "send", lambda *a: None)
    drops = dropped.Drops("notification")
    drops.add(project, "json://a.example/x", dropped.why_old(3600), "title")
    drops.report(dropmail.tell)
    [(message, fields)] = sent
    assert message.startswith("1 notification of p to json://") and fields["DJOPS_COUNT"] == "1"
    assert "undelivered for 60 min" in message
    assert subjects[0].startswith("DROPPED 1 notification to json://")
