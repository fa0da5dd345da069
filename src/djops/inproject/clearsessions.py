"""Delete expired sessions in short batches, each its own transaction.

Django's `clearsessions` issues one DELETE for every expired row: on a huge
table that holds the write lock (SQLite) or bloats one transaction for the
whole run, and requests that save a session wait. Here each batch commits on
its own and the lock is released between batches. Non-database engines use
their own `clear_expired()`. SIGTERM finishes the batch in flight and stops.
"""

import argparse
import signal
import time
from typing import Any

_stop = False


def _on_term(signum: int, frame: Any) -> None:
    global _stop
    _stop = True


def run(argv: list[str], redactor: Any = None) -> tuple[dict[str, Any], int]:
    parser = argparse.ArgumentParser(prog="clearsessions")
    parser.add_argument("--batch-size", type=int, default=10000)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_term)

    from importlib import import_module

    from django.conf import settings

    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    started = time.monotonic()
    if _uses_database(store):
        rows, batches = delete_in_batches(store.get_model_class(), args.batch_size)
    else:
        store.clear_expired()
        rows, batches = None, 0
    report = {
        "engine": settings.SESSION_ENGINE,
        "rows": rows,
        "batches": batches,
        "seconds": round(time.monotonic() - started, 3),
        "interrupted": _stop,
    }
    return report, 3 if _stop else 0


def _uses_database(store: type) -> bool:
    from django.contrib.sessions.backends.db import SessionStore as DbStore

    return issubclass(store, DbStore)


def delete_in_batches(model: Any, batch_size: int) -> tuple[int, int]:
    """Delete rows with expire_date < now, about `batch_size` per transaction.

    Each batch is a range on the expire_date index (up to the batch_size-th
    oldest row), the same access path as Django's one big DELETE, so the
    whole run costs little more than Django's. Batches run back to back for
    WORK_BUDGET seconds, then the lock is left free for PAUSE seconds, long
    enough for any writer waiting in SQLite's busy handler to get in. A batch
    that alone takes longer than the budget (slow disk) is made smaller.
    """
    from django.db import router
    from django.utils import timezone

    db = router.db_for_write(model)
    now = timezone.now()
    rows = model.objects.using(db)
    expired = rows.filter(expire_date__lt=now)
    total = batches = 0
    size, worked = batch_size, 0.0
    while not _stop:
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
        n = batch._raw_delete(db)
        total += n or 0
        batches += 1
        if edge is None or not n:
            break
        took = time.monotonic() - started
        if took > WORK_BUDGET and size > MIN_BATCH:
            size = max(MIN_BATCH, int(size * WORK_BUDGET / took))
        worked += took
        if worked >= WORK_BUDGET:
            time.sleep(PAUSE)
            worked = 0.0
    return total, batches


# A writer waiting for the lock retries on SQLite's busy-handler schedule
# (after 1, 2, 5, 10, 15, 20, 25, 25, 25 ms, then 50 and 100 ms). Pausing
# 26 ms after at most 100 ms of deleting puts one of its retries inside the
# pause, so no writer waits much longer than WORK_BUDGET + PAUSE.
WORK_BUDGET = 0.100
PAUSE = 0.026
MIN_BATCH = 100
