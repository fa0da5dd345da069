from djops.mail import failure


def test_the_failed_unit_names_its_project(project, confdir):
    assert failure.project_of("djops-clearsessions@shop.service") == "shop"
    assert failure.project_of("djops-watch@shop.service") == "shop"
    (confdir / "shop.toml").write_text('[project]\nservice = "gunicorn-shop.service"\n')
    assert failure.project_of("gunicorn-shop.service") == "shop"
    assert failure.project_of("other.service") == "unknown", "never a made-up name"


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
