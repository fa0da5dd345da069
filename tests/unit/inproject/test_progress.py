"""clearsessions' progress line: at most one every EVERY seconds, with the
rows removed, the rate, and what is left estimated from the expiry dates."""

from datetime import UTC, datetime

import pytest

from djops import text
from djops.inproject import progress
from djops.inproject.progress import Progress, epoch


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.fixture
def said():
    return []


def make(said, now=1000.0, clock=None):
    t = clock if clock is not None else [0.0]
    return Progress(at(now), clock=lambda: t[0], say=lambda line, flush: said.append(line)), t


def test_nothing_is_said_before_every_seconds(said):
    p, t = make(said)
    for i in range(1, 10):
        t[0] = i * 0.5
        p.batch(i * 100, at(i))
    assert said == []


def test_one_line_per_every_seconds_with_rate_and_what_is_left(said):
    p, t = make(said, now=1000.0)
    # one row per second of expiry dates up to now: 1000 rows in all
    for i in range(1, 101):
        t[0] = i * 0.1  # 100 rows a second
        p.batch(i * 10, at(i * 10))
    assert len(said) == 10 // progress.EVERY
    assert said[0].startswith("clearsessions: 500 expired sessions removed so far, 100 a second")
    assert "about 500 left (5 s)" in said[0]


def test_no_estimate_without_edges(said):
    p, t = make(said)
    p.batch(10, None)
    t[0] = progress.EVERY
    p.batch(20, None)
    assert said == ["clearsessions: 20 expired sessions removed so far, 4 a second"]


def test_one_session_is_one_session(said):
    """Issue 31: a slow first batch of one row said "1 expired sessions"."""
    p, t = make(said)
    t[0] = progress.EVERY
    p.batch(1, None)
    assert said == ["clearsessions: 1 expired session removed so far, 0 a second"]


def test_plural_says_what_djops_text_plural_says():
    for n in (0, 1, 2, 11, 1000):
        assert progress.plural(n, "expired session") == text.plural(n, "expired session")


def test_epoch_takes_every_drivers_dates():
    assert epoch(at(5)) == 5.0
    assert epoch(datetime(1970, 1, 1, 0, 0, 5)) == 5.0  # naive: UTC (MySQL drivers)
    assert epoch("1970-01-01 00:00:05.000000") == 5.0  # SQLite's text
    assert epoch("not a date") is None and epoch(None) is None
