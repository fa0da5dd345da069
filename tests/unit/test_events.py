import re

from djops.events import EVENTS
from djops.generate.catalog import render
from djops.systemd import journal

CONTRACT_EVENTS = {
    "clearsessions.done",
    "clearsessions.failed",
    "reload.applied",
    "reload.rejected",
    "health.degraded",
    "health.alert",
    "health.restarted",
    "health.recovered",
    "heartbeat.sent",
    "mail.failed",
    "unit.failed",
}


def test_contract_events_exist_with_unique_ids():
    assert set(EVENTS) >= CONTRACT_EVENTS
    ids = [e.message_id for e in EVENTS.values()]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_catalog_has_an_entry_per_event():
    text = render()
    for name, ev in EVENTS.items():
        assert f"-- {ev.message_id}\nSubject: " in text
        assert f"Event {name}." in text


# fields that count something (so can be 1), and the plurals they stood before
COUNTS = ("FAILURES", "ROWS", "BATCHES", "COUNT")
PLURALS = ("rounds", "runs", "times", "batches", "sessions", "messages", "failures")


def test_no_count_in_the_catalog_stands_before_a_plural_noun():
    """Issue 31: journalctl -x puts the field in as it is, "1 batches", "failed
    1 rounds in a row": a count reads right only as a value after its label."""
    before = re.compile(rf"@DJOPS_({'|'.join(COUNTS)})@\s+(\w+\s+)?({'|'.join(PLURALS)})\b")
    for name, ev in EVENTS.items():
        for text in (ev.subject, ev.body):
            assert not before.search(text), (name, before.search(text))


def test_emit_stamps_contract_fields(sent):
    journal.emit("clearsessions.done", "shop", "removed 3", ROWS=3, duration=0.5)
    [(message, fields)] = sent
    assert message == "removed 3"
    assert fields["SYSLOG_IDENTIFIER"] == "djops"
    assert fields["DJOPS_PROJECT"] == "shop"
    assert fields["DJOPS_EVENT"] == "clearsessions.done"
    assert fields["MESSAGE_ID"] == EVENTS["clearsessions.done"].message_id
    assert fields["PRIORITY"] == "6"
    assert fields["DJOPS_ROWS"] == "3" and fields["DJOPS_DURATION"] == "0.5"


def test_priority_can_rise(sent):
    journal.emit("health.alert", "shop", "still down", priority=1)
    assert sent[0][1]["PRIORITY"] == "1"
