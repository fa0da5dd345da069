"""PostgreSQL: batches picked along the expire_date index by ctid, as
PostgreSQL's own DELETE documentation does it, `FOR UPDATE SKIP LOCKED` so a
row a request is saving right now is left for the next run, each batch its
own transaction with `SET LOCAL lock_timeout` and `statement_timeout`.

Between batches it waits while a streaming replica replays more than
max_replica_lag_seconds behind (pg_stat_replication, where the project user
may read the lag: a superuser or pg_read_all_stats), and says so.
"""

import time
from collections.abc import Callable
from typing import Any

from .. import batching, libpq
from ..progress import Progress
from ..sizing import Sizer

# the database's own clock, in epoch seconds (claims)
NOW = "extract(epoch from clock_timestamp())"
SOCKET_DIR = "/var/run/postgresql"  # Debian's default when HOST is empty
# the claim's driver-only connection (connect): settings engines that are this vendor,
# and OPTIONS keys Django's backend keeps for itself rather than pass to libpq
ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")
# (and psycopg's own connect() arguments): the rest are libpq's keywords
NOT_LIBPQ = (
    "isolation_level", "server_side_binding", "pool", "assume_role",
    "autocommit", "prepare_threshold", "cursor_factory", "context", "row_factory",
)  # fmt: skip


LOCK_TIMEOUT = "100ms"
STATEMENT_TIMEOUT = "1s"
LAG_EVERY = 1.0  # seconds between two looks at the replicas
RETRY_STATES = {"55P03", "57014", "40001", "40P01"}  # lock, timeout, serialization, deadlock


def purge(model: Any, conn: Any, args: Any, stopped: Callable[[], bool]) -> dict[str, Any]:
    from django.db import transaction

    table, expire, now, start = batching.names(model, conn)
    sql = (
        f"WITH gone AS (DELETE FROM {table} WHERE ctid = ANY(ARRAY("
        f"SELECT ctid FROM {table} WHERE {expire} >= %s AND {expire} < %s "
        f"ORDER BY {expire} LIMIT %s FOR UPDATE SKIP LOCKED)) "
        f"RETURNING {expire}) SELECT count(*), max({expire}) FROM gone"
    )
    edge = [start]

    def delete(size: int) -> tuple[int, Any]:
        with transaction.atomic(using=conn.alias), conn.cursor() as cur:
            # per transaction (set_config(..., true), as SET LOCAL): a session's
            # SET would outlive the run on a pooler's shared server connection
            cur.execute(
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('statement_timeout', %s, true)",
                [LOCK_TIMEOUT, STATEMENT_TIMEOUT],
            )
            cur.execute(sql, [edge[0], now, size])
            count, last = cur.fetchone()
        if last is not None:
            edge[0] = last
        return count, last

    replicas = ReplicaWait(conn, args.max_replica_lag, stopped)
    result = batching.run(
        delete, Sizer(args.batch_size), stopped, retryable, replicas.wait, Progress(now)
    )
    return {**result, "waited": round(replicas.waited, 1)}


def retryable(e: BaseException) -> bool:
    cause = e.__cause__
    return (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) in RETRY_STATES


class ReplicaWait:
    """Hold the next batch while the worst replica lags over `limit` (0: never)."""

    def __init__(self, conn: Any, limit: float, stopped: Callable[[], bool]):
        self.conn, self.limit, self.stopped = conn, limit, stopped
        self.last, self.waited = 0.0, 0.0

    def lag(self) -> float | None:
        with self.conn.cursor() as cur:
            cur.execute("SELECT max(extract(epoch FROM replay_lag)) FROM pg_stat_replication")
            row = cur.fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def wait(self) -> None:
        if self.limit <= 0 or time.monotonic() - self.last < LAG_EVERY:
            return
        self.last = time.monotonic()
        lag = self.lag()
        if lag is None or lag <= self.limit:
            return
        print(
            f"clearsessions: a streaming replica replays {lag:.0f} s behind "
            f"(max_replica_lag_seconds = {self.limit:g}): waiting",
            flush=True,
        )
        started = time.monotonic()
        while not self.stopped() and lag is not None and lag > self.limit:
            time.sleep(LAG_EVERY)
            lag = self.lag()
        self.waited += time.monotonic() - started
        self.last = time.monotonic()
        print(f"clearsessions: replicas caught up after {self.waited:.0f} s: going on", flush=True)


def lock(cur: Any, digest: bytes) -> bool:
    """A run's claim: the session's advisory lock, held while it runs."""
    cur.execute("SELECT pg_try_advisory_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])
    return bool(cur.fetchone()[0])


def address(conn: Any, host: str, port: str) -> dict[str, Any]:
    if not host or host.startswith("/"):
        return {"vendor": conn.vendor, "unix": f"{host or SOCKET_DIR}/.s.PGSQL.{port or 5432}"}
    return {"vendor": conn.vendor, "host": host, "port": int(port or 5432)}


def connect(s: dict[str, Any]) -> tuple[Any, Any]:
    """(driver, connection in autocommit) with libpq alone (djops.inproject.libpq),
    given the keywords Django's backend gives it; psycopg when no libpq loads."""
    options = s.get("OPTIONS") or {}
    params = {k: v for k, v in options.items() if k not in NOT_LIBPQ}
    if s.get("NAME") or not options.get("service"):
        params["dbname"] = s.get("NAME") or "postgres"
    for key, arg in (
        ("USER", "user"),
        ("PASSWORD", "password"),
        ("HOST", "host"),
        ("PORT", "port"),
    ):
        if s.get(key):
            params[arg] = str(s[key])
    try:
        lib = libpq.load(libpq.find())
    except OSError:
        lib = None
    if lib is not None:
        return libpq, libpq.connect(lib, **params)
    try:
        import psycopg as driver
    except ImportError:
        import psycopg2 as driver  # type: ignore[no-redef]
    conn = driver.connect(**params)
    conn.autocommit = True
    return driver, conn
