"""SQLite's pause after a batch lets in any writer waiting in the busy
handler: whenever the writer started to wait during the batch, one of its
retries falls inside the pause."""

import pytest

from djops.inproject.vendors import sqlite


def retries(until_ms: float) -> list[float]:
    """When a writer that starts waiting at 0 tries the lock again (ms)."""
    out, t, i = [], 0.0, 0
    while t <= until_ms:
        t += sqlite.DELAYS[min(i, len(sqlite.DELAYS) - 1)]
        out.append(t)
        i += 1
    return out


@pytest.mark.parametrize("held_ms", [1, 20, 50, 100, 112, 127, 128, 150, 200, 227, 300, 900])
def test_every_waiting_writer_retries_inside_the_pause(held_ms):
    free = sqlite.pause(held_ms / 1000) * 1000
    for arrived in range(0, held_ms + 1):
        tries = [arrived + r for r in retries(held_ms + free)]
        assert any(held_ms <= t <= held_ms + free for t in tries), (arrived, free)


def test_the_pause_is_short_after_a_batch_at_the_aim():
    assert sqlite.pause(0.112) == pytest.approx(0.026)
    assert sqlite.pause(0.0) < 0.005
