from djops.mail import failure


def test_the_failed_unit_names_its_project(project, confdir):
    assert failure.project_of("djops-clearsessions@shop.service") == "shop"
    assert failure.project_of("djops-watch@shop.service") == "shop"
    (confdir / "shop.toml").write_text('[project]\nservice = "gunicorn-shop.service"\n')
    assert failure.project_of("gunicorn-shop.service") == "shop"
    assert failure.project_of("other.service") == "unknown", "never a made-up name"


def _failing(monkeypatch, tmp_path):
    """P.service failed: its status, its invocation, its lines; what is sent."""
    import subprocess

    from djops.channels import sendmail
    from djops.systemd import run_output, systemctl

    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(sendmail, "hostname", lambda: "h")
    monkeypatch.setattr(
        systemctl,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 3, "x p.service - P\n Active: failed", ""),
    )
    monkeypatch.setattr(
        systemctl,
        "show",
        lambda unit, *props: {"InvocationID": "0123456789abcdef" * 2, "Result": "signal"},
    )
    monkeypatch.setattr(run_output, "invocation_lines", lambda inv, n: ["worker killed"])
    sent = []
    monkeypatch.setattr(
        failure.notices,
        "send",
        lambda cfg, kind, subject, body, to, lines, thread=None: sent.append((kind, thread, body)),
    )
    return sent


def test_the_sites_own_failure_opens_the_incident_thread(project, monkeypatch, tmp_path, sent):
    """Issue 30.1: P.service's failure mail goes out at once and is the
    incident's alert; health's recovery answers it (djops.mail.threads)."""
    from djops.mail import threads

    mails = _failing(monkeypatch, tmp_path)
    failure.run("p.service")
    [(kind, thread, body)] = mails
    root = "<djops.p.failed-0123456789ab@h>"
    assert kind == "failure" and thread == {"Message-Id": root}
    assert "mails the recovery as an answer to this mail" in body
    assert threads.read("p")["root"] == root
    failure.run("p.service")  # it fails again before health's recovery: in its thread
    assert mails[-1][:2] == ("update", {"In-Reply-To": root, "References": root})


def test_a_job_units_failure_opens_no_incident(project, monkeypatch, tmp_path, sent):
    from djops.mail import threads

    mails = _failing(monkeypatch, tmp_path)
    failure.run("djops-clearsessions@p.service")
    assert mails[0][:2] == ("failure", None) and threads.read("p") is None


def test_an_update_in_an_open_incident_is_mail_only(project):
    """Its chat notice was the incident's alert: chat gets no second one."""
    from djops import config
    from djops.channels import notify

    cfg = config.load(project, live=False)
    assert notify.goes_out(cfg, "failure") and not notify.goes_out(cfg, "update")


def test_the_chat_notice_of_a_failed_unit_is_what_when_cause_and_more(monkeypatch):
    """Pinned: a chat notice is at most five short lines (what, since when,
    the cause with the run's last line, the one command that shows more);
    the mail keeps the status and the whole excerpt."""
    from types import SimpleNamespace

    from djops.channels import chat

    shown = {"Result": "exit-code", "ExecMainStatus": "3", "ExecMainCode": "1"}
    monkeypatch.setattr(failure.systemctl, "show", lambda unit, *props: shown)
    monkeypatch.setattr(failure, "time", SimpleNamespace(strftime=lambda f: "2026-12-03 18:42:07"))
    unit = "djops-job@shop:report.service"
    lines = failure._chat(unit, "0123456789abcdef0123", ["starting", "Error: no such table"])
    assert lines == [
        "djops-job@shop:report.service failed (invocation 0123456789ab).",
        "At 2026-12-03 18:42:07.",
        "Cause: exit-code, status 3; last line: Error: no such table",
        "More: journalctl -u djops-job@shop:report.service -n 100",
    ]
    assert chat.body(lines).split("\n") == lines, "nothing cut: it fits a chat notice"


def test_the_chat_notice_of_a_unit_without_output_or_status(monkeypatch):
    monkeypatch.setattr(failure.systemctl, "show", lambda unit, *props: {})
    lines = failure._chat("shop.service", "", [])
    assert lines[0] == "shop.service failed (invocation unknown)."
    assert lines[2] == "Cause: failed"
    assert lines[3] == "More: journalctl -u shop.service -n 100" and len(lines) == 4


def test_a_failure_mail_that_cannot_be_queued_opens_no_thread(project, monkeypatch, tmp_path):
    """Else health would take that unsent mail for the incident's alert."""
    import pytest

    from djops.mail import threads

    _failing(monkeypatch, tmp_path)

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(failure.notices, "send", full)
    with pytest.raises(OSError):
        failure.run("p.service")
    assert threads.read("p") is None
