"""The one durable queue under every channel: kept in order, fsynced 0600,
backoff that doubles up to an hour, unreadable entries set aside."""

import time

import pytest

from djops.channels import queue


def test_entries_keep_the_order_they_were_put_in(tmp_path):
    paths = [queue.put(tmp_path / "q", {"n": n}) for n in range(5)]
    assert queue.pending(tmp_path / "q") == paths
    assert oct(paths[0].stat().st_mode & 0o777) == "0o600"
    assert queue.pending(tmp_path / "none") == []


def test_backoff_doubles_up_to_an_hour(tmp_path):
    path = queue.put(tmp_path, {"x": "y"})
    entry = queue.load(path, {"x": str})
    delays = [queue.postpone(path, entry, "down") for _ in range(9)]
    assert delays[:4] == [30.0, 60.0, 120.0, 240.0] and delays[-1] == queue.LAST_RETRY
    kept = queue.load(path, {"x": str})
    assert kept["attempts"] == 9 and kept["last_error"] == "down"
    assert not queue.due(kept, time.time())


def test_a_clock_set_back_does_not_hold_an_entry():
    now = time.time()
    assert queue.due({"next_try": now + 365 * 86400}, now)


def test_an_unreadable_entry_is_set_aside_not_deleted(tmp_path):
    bad = tmp_path / "1.json"
    bad.write_text('{"x": 1}')
    with pytest.raises(ValueError):
        queue.load(bad, {"x": str})
    moved = queue.set_aside(bad)
    assert moved == tmp_path / "unreadable" / "1.json" and moved.read_text() == '{"x": 1}'
