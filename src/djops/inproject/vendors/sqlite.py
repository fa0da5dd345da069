"""SQLite (and any other vendor): ranges along the expire_date index.

Each batch deletes up to the batch_size-th oldest expiry date, the same
access path as Django's one big DELETE, so the whole run costs little more
than Django's. Batches run back to back for WORK_BUDGET seconds, then the
write lock is left free for PAUSE seconds, long enough for any writer
waiting in SQLite's busy handler to get in. A batch that alone takes longer
than the budget (slow disk) is made smaller.
"""

import time
from collections.abc import Callable
from typing import Any

# the database's own clock, in epoch seconds (claims)
NOW = "((julianday('now') - 2440587.5) * 86400.0)"
# the claim's driver-only connection (connect): settings engines that are this vendor
ENGINES = ("django.db.backends.sqlite3", "django.contrib.gis.db.backends.spatialite")


# A writer waiting for the lock retries on SQLite's busy-handler schedule
# (after 1, 2, 5, 10, 15, 20, 25, 25, 25 ms, then 50 and 100 ms). Pausing
# 26 ms after at most 100 ms of deleting puts one of its retries inside the
# pause, so no writer waits much longer than WORK_BUDGET + PAUSE.
WORK_BUDGET = 0.100
PAUSE = 0.026
MIN_BATCH = 100


def purge(model: Any, conn: Any, args: Any, stopped: Callable[[], bool]) -> dict[str, Any]:
    from django.utils import timezone

    now = timezone.now()
    rows = model.objects.using(conn.alias)
    expired = rows.filter(expire_date__lt=now)
    total = batches = 0
    size, worked, longest = args.batch_size, 0.0, 0.0
    while not stopped():
        started = time.monotonic()
        # Find the batch's edge in autocommit, then delete in one statement,
        # which is its own transaction. A read and a delete inside one deferred
        # transaction would have to upgrade a read lock to a write lock, which
        # SQLite refuses outright ("database is locked") when a writer waits.
        # The size-th oldest expiry date, read straight off the expire_date
        # index (no sort); rows sharing that date go in this batch.
        edge = next(
            iter(
                expired.order_by("expire_date").values_list("expire_date", flat=True)[
                    size - 1 : size
                ]
            ),
            None,
        )
        # One bound only, so SQLite ranges the index up to the edge instead of
        # scanning every expired row (edge < now, as it came from `expired`).
        batch = expired if edge is None else rows.filter(expire_date__lte=edge)
        n = batch._raw_delete(conn.alias)
        total += n or 0
        batches += 1
        took = time.monotonic() - started
        longest = max(longest, took)
        if edge is None or not n:
            break
        if took > WORK_BUDGET and size > MIN_BATCH:
            size = max(MIN_BATCH, int(size * WORK_BUDGET / took))
        worked += took
        if worked >= WORK_BUDGET:
            time.sleep(PAUSE)
            worked = 0.0
    return {"rows": total, "batches": batches, "longest": round(longest, 3)}


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
