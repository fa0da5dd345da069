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


def _age(path, seconds):
    """Rename an outbox entry as if it had been put `seconds` ago."""
    stamp = time.time_ns() - int(seconds * 1e9)
    new = path.with_name(f"{stamp:020d}-{path.name.split('-', 1)[1]}")
    os.replace(path, new)
    return new


def _undeliverable(box, n=1, to=("root",)):
    sm = str(box / "nope")
    for i in range(n):
        mail.send("p", sendmail.compose("p", "alert", f"down {i}", "text", list(to)), sm)
    return mail.pending()


def test_mail_undelivered_for_a_day_is_given_up_kept_beside_the_outbox_and_said_once(box, sent):
    for path in _undeliverable(box, 2):
        _age(path, mail.queue.GIVE_UP + 60)
    before = {p.name: json.loads(p.read_text())["message"] for p in mail.pending()}
    assert mail.flush() == (0, 0)
    assert mail.pending() == [], "out of the retried queue: nothing grows without bound"
    kept = mail.given_up()
    assert [p.parent for p in kept] == [box / "state" / "outbox" / "given-up"] * 2
    assert {p.name: json.loads(p.read_text())["message"] for p in kept} == before, "never lost"
    assert oct(kept[0].parent.stat().st_mode & 0o777) == "0o700"
    [(message, fields)] = [(m, f) for m, f in sent if f["DJOPS_EVENT"] == "notify.dropped"]
    assert fields["PRIORITY"] == "2" and fields["DJOPS_COUNT"] == "2"
    assert fields["DJOPS_URL"] == mail.fingerprint("root") and fields["DJOPS_PROJECT"] == "p"
    assert fields["DJOPS_KEPT"] == str(kept[0].parent)
    assert message.startswith("2 mails of p to root given up: undelivered for 24 h")
    assert f"mv {kept[0].parent}/*.json {mail.directory()}/" in message
    assert mail.pending() == [], "no mail says it: mail is what failed"


def test_mail_beyond_the_outbox_bound_is_given_up_oldest_first(box, sent, monkeypatch):
    queued = _undeliverable(box, 4)
    monkeypatch.setattr(mail.queue, "MAX_ENTRIES", 2)
    for path in mail.pending():
        entry = json.loads(path.read_text())
        entry["next_try"] = 0
        path.write_text(json.dumps(entry))
    mail.flush()
    assert [p.name for p in mail.pending()] == [p.name for p in queued[2:]]
    assert [p.name for p in mail.given_up()] == [p.name for p in queued[:2]]
    [fields] = [f for _, f in sent if f["DJOPS_EVENT"] == "notify.dropped"]
    assert fields["DJOPS_COUNT"] == "2" and "more than 2 mails" in fields["DJOPS_REASON"]


def test_given_up_mail_moved_back_is_retried_not_given_up_again(box, sent):
    [path] = _undeliverable(box)
    _age(path, mail.queue.GIVE_UP + 60)
    mail.flush()
    [kept] = mail.given_up()
    os.replace(kept, mail.directory() / kept.name)  # the `mv` notify.dropped names
    for entry_path in mail.pending():
        entry = json.loads(entry_path.read_text())
        entry["sendmail"] = fake_sendmail(box / "good")
        entry_path.write_text(json.dumps(entry))
    assert mail.flush() == (1, 0), "tried at once: its give-up time starts again"
    assert (box / "good.got").read_text().count("Subject:") == 1
    assert mail.given_up() == []
    assert len([f for _, f in sent if f["DJOPS_EVENT"] == "notify.dropped"]) == 1


def test_status_and_heartbeat_show_given_up_mail_only_while_some_is_kept(box):
    assert mail.summary() == "0 waiting"
    [path] = _undeliverable(box)
    _age(path, mail.queue.GIVE_UP + 60)
    mail.flush()
    assert mail.summary() == f"0 waiting; 1 given up in {box}/state/outbox/given-up"
