import email
import email.policy
import json
import os
import time

import pytest

from djops.channels import mail, sendmail


def test_headers_from_outside_cannot_inject_headers():
    msg = sendmail.compose(
        "p", "failure", "x.service failed\r\nBcc: victim@example.com", "body ü", ["root"]
    )
    raw = msg.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"].startswith("[djops] p@")
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Message-Id"] and parsed["Date"]
    assert parsed.get_content().strip() == "body ü"


@pytest.fixture
def box(tmp_path, monkeypatch, sent):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(mail, "kick", mail.flush)  # no systemd here
    return tmp_path


def fake_sendmail(path, exit_code=0):
    path.write_text(f"#!/bin/sh\ncat >> {path}.got\nexit {exit_code}\n")
    path.chmod(0o755)
    return str(path)


def test_delivered_mail_leaves_the_outbox(box):
    sm = fake_sendmail(box / "sendmail")
    mail.send("p", sendmail.compose("p", "heartbeat", "hi", "text", ["root"]), sm)
    assert mail.pending() == []
    assert "Subject: [djops] p@" in (box / "sendmail.got").read_text()


@pytest.mark.parametrize("kind", ["missing", "failing"])
def test_undeliverable_mail_is_kept_logged_crit_and_retried_later(box, sent, kind):
    sm = str(box / "nope") if kind == "missing" else fake_sendmail(box / "sendmail", 75)
    mail.send("p", sendmail.compose("p", "alert", "down", "text", ["root"]), sm)
    [kept] = mail.pending()
    entry = json.loads(kept.read_text())
    assert entry["attempts"] == 1 and entry["next_try"] > 0
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    (failed,) = [f for _, f in sent if f["DJOPS_EVENT"] == "mail.failed"]
    assert failed["PRIORITY"] == "2" and failed["DJOPS_PROJECT"] == "p"
    assert mail.flush() == (0, 1), "not due yet: backoff"
    entry["next_try"] = 0
    entry["sendmail"] = fake_sendmail(box / "good")
    kept.write_text(json.dumps(entry))
    assert mail.flush() == (1, 0)
    assert mail.flush() == (0, 0), "never sent twice"
    assert (box / "good.got").read_text().count("Subject:") == 1


def test_a_hanging_sendmail_times_out(box, monkeypatch):
    hang = box / "hang"
    hang.write_text("#!/bin/sh\nsleep 30\n")
    hang.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(sendmail.SendError, match="did not finish within 0s"):
        sendmail.sendmail(str(hang), b"x", timeout=0.5)
    assert time.monotonic() - started < 10, "not the 30 s the sendmail sleeps"


def test_unreadable_entries_are_moved_aside_and_logged(box, sent):
    d = mail.directory()
    d.mkdir(parents=True)
    (d / "empty.json").write_bytes(b"")
    (d / "garbage.json").write_bytes(b"\x00\xffnot json")
    (d / "wrong.json").write_text('{"project": 1}')
    assert mail.flush() == (0, 0)
    assert sorted(p.name for p in (d / "unreadable").iterdir()) == [
        "empty.json",
        "garbage.json",
        "wrong.json",
    ]
    assert mail.pending() == []
    failed = [f for _, f in sent if f["DJOPS_EVENT"] == "mail.failed"]
    assert len(failed) == 3 and all(f["PRIORITY"] == "2" for f in failed)


def test_a_clock_set_back_does_not_hold_mail_until_it_catches_up():
    import time

    now = time.time()
    assert mail._due({"next_try": now - 1}, now)
    assert not mail._due({"next_try": now + 60}, now)
    assert mail._due({"next_try": now + 365 * 86400}, now), "a year ahead: the clock went back"


def _killed_while_handing(box, monkeypatch, in_spool: bool):
    """An entry a killed run left marked; dma's spool has the message or not."""
    spool_dir = box / "spool"
    spool_dir.mkdir()
    monkeypatch.setattr(mail.dmaspool.paths, "dma_spool", lambda: str(spool_dir))
    monkeypatch.setattr(mail, "kick", lambda: None)
    sm = fake_sendmail(box / "sendmail")
    msg = sendmail.compose("p", "heartbeat", "hi", "text", ["root"])
    path = mail.send("p", msg, sm)
    entry = json.loads(path.read_text())
    entry["handing"] = True
    path.write_text(json.dumps(entry))
    if in_spool:
        (spool_dir / "M1a.2b").write_text(
            f"Received: from root\nMessage-Id: {msg['Message-Id']}\nSubject: x\n\nbody\n"
        )
    mail.flush()
    assert mail.pending() == []
    got = box / "sendmail.got"
    return got.read_text().count("Subject:") if got.exists() else 0


def test_a_message_dma_took_before_the_kill_is_not_sent_again(box, monkeypatch):
    assert _killed_while_handing(box, monkeypatch, in_spool=True) == 0


def test_a_message_dma_never_got_is_sent_once(box, monkeypatch):
    assert _killed_while_handing(box, monkeypatch, in_spool=False) == 1


def test_the_queue_is_stuck_when_dma_or_the_outbox_keeps_mail_over_an_hour(box, monkeypatch):
    queue = mail

    spool_dir = box / "spool"
    spool_dir.mkdir()
    monkeypatch.setattr(queue.paths, "dma_spool", lambda: str(spool_dir))
    (spool_dir / "Q1a.2b").write_text("ID: 1a.2b\n")
    (spool_dir / "M1a.2b").write_text("Subject: x\n\nbody\n")
    assert queue.health() == (True, "1 queued, 0 in outbox")
    old = time.time() - 2 * queue.STUCK_SECONDS
    os.utime(spool_dir / "Q1a.2b", (old, old))
    ok, detail = queue.health()
    assert not ok and detail.startswith(f"1 mail stuck in {spool_dir}, 0 in the djops outbox")
