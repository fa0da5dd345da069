"""The words of djops' mails, and what reaches a mail from outside."""

import email
import email.policy

from djops import config
from djops.channels import mail
from djops.mail import notices


def step(event, checks, detail, failures, cause=""):
    from djops.health.incident import Step
    from djops.health.ladder import Step as LadderStep

    return Step(LadderStep(event), "X1", checks, cause or checks[0], detail, failures, 0.0)


def test_health_lines_say_the_step_and_the_count():
    alert = step("health.alert", ("http",), "http: GET ...: HTTP 503", 3)
    assert (
        notices.incident_line("p", alert)
        == "p: check http needs attention (3x): http: GET ...: HTTP 503"
    )
    back = step("health.recovered", ("http",), "all checks pass again", 4)
    assert notices.incident_line("p", back) == (
        "p: check http recovered after 4 failures: all checks pass again"
    )


def test_one_failure_is_singular():
    back = step("health.recovered", ("http",), "all checks pass again", 1)
    assert notices.incident_line("p", back) == (
        "p: check http recovered after 1 failure: all checks pass again"
    )


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
