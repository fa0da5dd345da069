"""The mails of one incident: one alert, its reminder and its recovery, in
one thread (Message-ID of the alert, In-Reply-To and References to it)."""

import email
import email.policy

import pytest

from djops import config
from djops.channels import mail, sendmail
from djops.health.incident import Incident
from djops.mail import notices

T0 = 1_780_000_000.0
OK = {"service": (True, "p.service active (running)"), "http": (True, "HTTP 200")}
DOWN = {
    "service": (False, "p.service failed (failed)"),
    "http": (False, "GET http://127.0.0.1:8000/: Connection refused"),
}


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(mail, "kick", lambda: None)
    monkeypatch.setattr(sendmail, "hostname", lambda: "web1.example.org")

    def messages():
        out = []
        for path in mail.pending():
            text = mail._load(path)["message"]
            out.append(email.message_from_string(text, policy=email.policy.default))
        return out

    return messages


def crash(cfg, rounds):
    """Run the incident as the daemon would and mail its mail steps."""
    inc, lines = Incident(1, 3, 5, cfg.project.service), []
    for i, results in enumerate(rounds):
        for s in inc.observe(results, T0 + 60 * i):
            line = notices.incident_line(cfg.name, s)
            lines.append((s.step.event, line))
            if s.step.mail:
                notices.incident_mail(cfg, s, line, "service ok, http ok")
    return lines


def test_a_gunicorn_crash_mails_one_thread(project, outbox):
    cfg = config.load(project, live=False)
    lines = crash(cfg, [{**OK, **DOWN}] * 6 + [OK])
    alert, reminder, recovery = outbox()
    root = f"<djops.{project}.20260528T202640Z@web1.example.org>"
    assert alert["Message-ID"] == root and "In-Reply-To" not in alert
    for answer in (reminder, recovery):
        assert answer["In-Reply-To"] == root and answer["References"] == root
        assert answer["Message-ID"] != root and answer["Message-ID"].endswith("@web1.example.org>")
    assert alert["Subject"] == f"[djops] {project}@web1.example.org: ALERT service, http failing"
    assert reminder["Subject"].endswith(": STILL FAILING service, http")
    assert recovery["Subject"].endswith(": recovered service, http")
    assert [m["X-Djops-Kind"] for m in (alert, reminder, recovery)] == [
        "alert",
        "reminder",
        "recovery",
    ]
    body = alert.get_content()
    assert "Incident 20260528T202640Z, since " in body and "cause: service" in body
    assert [e for e, _ in lines] == [
        "health.degraded",
        "health.alert",
        "health.restarted",
        "health.alert",
        "health.recovered",
    ]


def test_the_line_names_every_check_and_the_cause(project, outbox):
    cfg = config.load(project, live=False)
    lines = dict(crash(cfg, [{**OK, **DOWN}] * 3))
    assert lines["health.alert"] == (
        f"{project}: checks service, http need attention (3x): service: p.service failed "
        "(failed); http: GET http://127.0.0.1:8000/: Connection refused; cause: service"
    )
    one = dict(crash(cfg, [{**OK, "http": DOWN["http"]}]))
    assert one["health.degraded"] == (
        f"{project}: check http is failing (1x): http: GET http://127.0.0.1:8000/: "
        "Connection refused"
    )


def test_the_next_incident_starts_a_thread_of_its_own(project, outbox):
    cfg = config.load(project, live=False)
    crash(cfg, [{**OK, **DOWN}] * 3 + [OK] + [{**OK, **DOWN}] * 3 + [OK])
    ids = [m["Message-ID"] for m in outbox() if m["X-Djops-Kind"] == "alert"]
    refs = [m["References"] for m in outbox() if m["X-Djops-Kind"] == "recovery"]
    assert len(set(ids)) == 2 and refs == ids


def test_only_the_thread_headers_pass_and_flattened():
    msg = sendmail.compose(
        "p",
        "alert",
        "s",
        "b",
        ["root"],
        {"Message-Id": "<a@b>\r\nBcc: x@y", "Bcc": "x@y", "References": ""},
    )
    assert msg["Bcc"] is None and "\n" not in str(msg["Message-Id"])
    assert len(msg.get_all("Message-Id")) == 1 and msg["References"] is None


def test_a_step_without_an_incident_has_no_thread():
    assert notices.thread("p", "", "alert", "h") == {}
    assert notices.thread("p", "X1", "alert", "h") == {"Message-Id": "<djops.p.X1@h>"}
    assert notices.thread("p", "X1", "recovery", "h") == {
        "In-Reply-To": "<djops.p.X1@h>",
        "References": "<djops.p.X1@h>",
    }
