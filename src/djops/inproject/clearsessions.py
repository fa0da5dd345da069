"""Delete expired sessions in short batches, each its own transaction.

Django's `clearsessions` issues one DELETE for every expired row: on a huge
table that is one long transaction (a WAL spike and bloat on PostgreSQL,
Galera's write-set limit on MariaDB, the write lock on SQLite) that requests
saving a session wait behind. Here each batch commits on its own, with an
engine per database vendor (purge_*). Non-database session engines use their
own `clear_expired()`. SIGTERM finishes the batch in flight and stops; the
next run picks up what is left.
"""

import argparse
import signal
import time
from typing import Any

from . import database, vendors

_stop = False


def _on_term(signum: int, frame: Any) -> None:
    global _stop
    _stop = True


def stopped() -> bool:
    return _stop


def run(argv: list[str], redactor: Any = None) -> tuple[dict[str, Any], int]:
    parser = argparse.ArgumentParser(prog="clearsessions")
    parser.add_argument("--batch-size", type=int, default=1_000_000)
    parser.add_argument("--max-replica-lag", type=float, default=30.0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_term)

    from importlib import import_module

    from django.conf import settings

    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    started = time.monotonic()
    report: dict[str, Any] = {"engine": settings.SESSION_ENGINE, "rows": None, "batches": 0}
    if _uses_database(store):
        model = store.get_model_class()
        conn = database.connection_for(model)
        report["database"] = conn.vendor
        problem = database.cannot_connect(conn, redactor)
        if problem:
            return {**report, "error": problem}, 1
        purge = vendors.of(conn).purge  # others: the portable way
        report.update(purge(model, conn, args, stopped))
    else:
        store.clear_expired()
    report.update(seconds=round(time.monotonic() - started, 3), interrupted=_stop)
    return report, 3 if _stop else 0


def _uses_database(store: type) -> bool:
    from django.contrib.sessions.backends.db import SessionStore as DbStore

    return issubclass(store, DbStore)
