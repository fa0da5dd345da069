"""The words of djops' mails, and what reaches a mail from outside."""

import email
import email.policy

from djops import config
from djops.channels import mail
from djops.mail import notices


def test_health_lines_say_the_step_and_the_count():
    assert notices.health_line("health.alert", "p", "http", "GET ...: HTTP 503", 3) == (
        "p: check http needs attention (3x): GET ...: HTTP 503"
    )
    assert notices.health_line("health.recovered", "p", "http", "HTTP 200", 4) == (
        "p: check http recovered after 4 failures: HTTP 200"
    )


def test_one_failure_is_singular_and_still_counted_back():
    line = notices.health_line("health.recovered", "p", "http", "HTTP 200", 1)
    assert line == "p: check http recovered after 1 failure: HTTP 200"
    assert notices._count(line) == (1, "HTTP 200")
    assert notices._count("p: check http recovered after 4 failures: ok") == (4, "ok")


def test_a_mail_carries_no_terminal_escape_from_unit_output(project, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(mail, "kick", lambda: None)
    cfg = config.load(project, live=False)
    notices.send(cfg, "failure", "x failed", "line \x1b]0;title\x07 end\n")
    [path] = mail.pending()
    entry = mail._load(path)
    msg = email.message_from_string(entry["message"], policy=email.policy.default)
    body = msg.get_content()
    assert "\x1b" not in body and "\\x1b]0;title\\x07 end" in body
    assert msg["Subject"].startswith(f"[djops] {project}@")
    assert msg["To"] == "root"
