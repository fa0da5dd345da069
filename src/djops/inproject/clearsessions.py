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


def run(argv: list[str]) -> tuple[dict[str, Any], int]:
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


def delete_in_batches(model: Any, batch_size: int, pause: float = 0.002) -> tuple[int, int]:
    """Delete rows with expire_date < now, at most `batch_size` per transaction."""
    from django.db import router, transaction
    from django.utils import timezone

    db = router.db_for_write(model)
    conn = transaction.get_connection(db)
    now = timezone.now()
    expired = model.objects.using(db).filter(expire_date__lt=now)
    total = batches = 0
    while not _stop:
        with transaction.atomic(using=db):
            if conn.features.allow_sliced_subqueries_with_in:
                keys = expired.values("pk")[:batch_size]
                n = model.objects.using(db).filter(pk__in=keys)._raw_delete(db)
            else:  # MySQL: no LIMIT inside IN (subquery)
                keys = list(expired.values_list("pk", flat=True)[:batch_size])
                n = model.objects.using(db).filter(pk__in=keys)._raw_delete(db) if keys else 0
        total += n or 0
        batches += 1
        if not n or n < batch_size:
            break
        time.sleep(pause)  # let writers that queued behind the batch in
    return total, batches
