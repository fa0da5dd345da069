"""SQLite (and any other vendor): ranges along the expire_date index.

Each batch deletes up to the size-th oldest expiry date, the same access
path as Django's one big DELETE, sized (djops.inproject.sizing) to hold the
write lock about WORK_BUDGET seconds, then leaves the lock free long enough
for a writer waiting in SQLite's busy handler to get in. Fewer, longer
batches cost fewer commits (each one a flush of the journal or the WAL).
"""

import time
from collections.abc import Callable
from typing import Any

from .. import batching
from ..progress import Progress
from ..sizing import Sizer

# the database's own clock, in epoch seconds (claims)
NOW = "((julianday('now') - 2440587.5) * 86400.0)"
# the claim's key, and an expression made to compare exactly: `=` does (BINARY collation)
KEY = "VARCHAR(190)"
BINARY = "{}"
# the claim's driver-only connection (connect): settings engines that are this vendor
ENGINES = ("django.db.backends.sqlite3", "django.contrib.gis.db.backends.spatialite")


# A writer waiting for the lock retries on SQLite's busy-handler schedule:
# it sleeps DELAYS[i] ms once it has waited WAITED[i] ms, then 100 ms at a
# time. After holding the lock t seconds the lock is left free one such
# sleep (the longest a writer that has waited up to t can be asleep), so a
# waiting writer always gets in between two batches: 26 ms after up to
# 128 ms of work, and no writer waits much longer than WORK_BUDGET + PAUSE.
DELAYS = (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100)
WAITED = (0, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228)
WORK_BUDGET = 0.14  # the sizer aims at 80% of it: 112 ms, under 128
PAUSE_AFTER = 0.1  # seconds of lock held, in one batch or several, before a pause


def pause(held: float) -> float:
    """Seconds to leave the lock free after holding it `held` seconds."""
    ms = max((d for d, w in zip(DELAYS, WAITED, strict=True) if w <= held * 1000), default=1)
    return (ms + 1) / 1000


def purge(model: Any, conn: Any, args: Any, stopped: Callable[[], bool]) -> dict[str, Any]:
    from django.utils import timezone

    now = timezone.now()
    rows = model.objects.using(conn.alias)
    expired = rows.filter(expire_date__lt=now)
    dates = expired.order_by("expire_date").values_list("expire_date", flat=True)
    sizer = Sizer(args.batch_size, budget=WORK_BUDGET)
    _flush_less(conn)
    held, worked, edges = [0.0], [0.0], {}

    def edge_of(size: int) -> Any:
        """The size-th oldest expiry date, read straight off the expire_date
        index (no sort); rows sharing that date go in its batch. A read in
        autocommit: a read and a delete inside one deferred transaction would
        have to upgrade a read lock to a write lock, which SQLite refuses
        outright ("database is locked") when a writer waits."""
        if size not in edges:
            edges.clear()
            edges[size] = next(iter(dates[size - 1 : size]), None)
        return edges.pop(size)

    def delete(size: int) -> tuple[int, Any]:
        started = time.monotonic()
        edge = edge_of(size)
        # One bound only, so SQLite ranges the index up to the edge instead of
        # scanning every expired row (edge < now, as it came from `expired`).
        batch = expired if edge is None else rows.filter(expire_date__lte=edge)
        n = batch._raw_delete(conn.alias) or 0
        held[0] = time.monotonic() - started
        return n, edge

    def let_writers_in() -> None:
        """The pause once batches have held the lock PAUSE_AFTER seconds
        (every batch at the budget; small ones, under a low batch_size,
        back to back until then); the next batch's edge is read in it (a
        read does not keep a writer out of the lock for long)."""
        worked[0], held[0] = worked[0] + held[0], 0.0
        if worked[0] < PAUSE_AFTER:
            return
        started = time.monotonic()
        edge_of(sizer.size)
        time.sleep(max(0.0, pause(worked[0]) - (time.monotonic() - started)))
        worked[0] = 0.0

    result = batching.run(delete, sizer, stopped, lambda e: False, let_writers_in, Progress(now))
    return {k: result[k] for k in ("rows", "batches", "longest")}


def _flush_less(conn: Any) -> None:
    """In WAL mode, commit without a flush of the WAL (synchronous=NORMAL, on
    this connection only): a batch is a commit, and its flush would cost more
    than its deletes. WAL stays consistent; a power cut may bring back the
    last batches' expired rows, which the next run removes."""
    with conn.cursor() as cur:
        if journal_mode(cur) == "wal":
            cur.execute("PRAGMA synchronous = NORMAL")


def journal_mode(cur: Any) -> str:
    """The database file's journal mode ("delete", "wal", ...)."""
    cur.execute("PRAGMA journal_mode")
    return str(cur.fetchone()[0]).lower()


def lock(cur: Any, digest: bytes) -> bool:
    """One host's file: the unit itself is the lock."""
    return True


def address(conn: Any, host: str, port: str) -> dict[str, Any]:
    """A file, no server to reach."""
    return {}


def connect(s: dict[str, Any]) -> tuple[Any, Any]:
    """(driver, connection in autocommit), as Django opens the file."""
    import sqlite3 as driver

    timeout = (s.get("OPTIONS") or {}).get("timeout", 5)
    return driver, driver.connect(str(s["NAME"]), timeout=timeout, isolation_level=None, uri=True)
