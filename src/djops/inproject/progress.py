"""A long clearsessions says how far it is: one line at most every EVERY
seconds (to the unit's journal, and so to root's terminal when it follows
the run), never one per batch.

What is left is estimated without a count (a count of a big table is
itself a long query): the batches go along expire_date from the oldest, so
the rows removed per second of expiry dates so far, times the seconds of
expiry dates still ahead of the last batch's edge, is about what is left.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

EVERY = 5.0  # seconds between two lines


def plural(n: int, noun: str) -> str:
    """`1 expired session`, `2 expired sessions`: djops.text.plural's twin
    (inproject runs in the project's python and imports none of djops)."""
    return f"{n} {noun if n == 1 else noun + 's'}"


def epoch(value: Any) -> float | None:
    """An expire_date as the driver returns it (an aware or UTC-naive
    datetime, SQLite's text) in epoch seconds; None when it is none."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


class Progress:
    def __init__(self, now: Any, clock: Callable[[], float] = time.monotonic, say=print) -> None:
        self.now, self.clock, self.say = epoch(now), clock, say
        self.started = self.last = clock()
        self.first: tuple[int, float] | None = None  # (rows, edge) after the first batch

    def batch(self, rows: int, edge: Any) -> None:
        """After each batch: `rows` removed so far, the last one's `edge`."""
        at = epoch(edge)
        if self.first is None and at is not None:
            self.first = (rows, at)
        t = self.clock()
        if t - self.last < EVERY:
            return
        self.last = t
        rate = rows / max(t - self.started, 1e-6)
        line = (
            f"clearsessions: {plural(rows, 'expired session')} removed so far, {rate:.0f} a second"
        )
        left = self.left(rows, at)
        if left is not None:
            line += f", about {left} left ({left / max(rate, 1):.0f} s)"
        self.say(line, flush=True)

    def left(self, rows: int, at: float | None) -> int | None:
        if self.first is None or at is None or self.now is None:
            return None
        done_rows, done_span = rows - self.first[0], at - self.first[1]
        if done_rows <= 0 or done_span <= 0:
            return None
        return int(done_rows / done_span * max(0.0, self.now - at))
