"""PostgreSQL: each batch a range of the expire_date index, from the last
batch's edge up to its size-th row, its own transaction with `SET LOCAL
lock_timeout` and `statement_timeout`. A batch that meets a row a request
holds waits at most the lock timeout, then is done again with its rows
picked by ctid `FOR UPDATE SKIP LOCKED`, as PostgreSQL's own DELETE
documentation does it: the request's row is left for the next run.

Why not SKIP LOCKED for every batch: it locks each row before deleting it
(a second write and WAL record per row) and joins the rows back by ctid;
measured on 1M expired rows (bench/RESULTS.md, "clearsessions: notes") it
took 2.6 times a plain range DELETE, which runs as fast as one big DELETE.

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
# the claim's key, and an expression made to compare exactly: `=` does
KEY = "VARCHAR(190)"
BINARY = "{}"
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
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout


def purge(model: Any, conn: Any, args: Any, stopped: Callable[[], bool]) -> dict[str, Any]:
    from django.db import OperationalError, transaction

    table, expire, now, start = batching.names(model, conn)
    find_edge, upto_edge = batching.range_statements(table, expire)
    the_rest = f"DELETE FROM {table} WHERE {expire} >= %s AND {expire} < %s"
    skip_locked = (
        f"WITH gone AS (DELETE FROM {table} WHERE ctid = ANY(ARRAY("
        f"SELECT ctid FROM {table} WHERE {expire} >= %s AND {expire} < %s "
        f"ORDER BY {expire} LIMIT %s FOR UPDATE SKIP LOCKED)) "
        f"RETURNING {expire}) SELECT count(*), max({expire}) FROM gone"
    )
    edge = [start]
    skipped = [0]

    def delete(size: int) -> tuple[int, Any]:
        with transaction.atomic(using=conn.alias), conn.cursor() as cur:
            # per transaction (set_config(..., true), as SET LOCAL): a session's
            # SET would outlive the run on a pooler's shared server connection
            cur.execute(
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('statement_timeout', %s, true)",
                [LOCK_TIMEOUT, STATEMENT_TIMEOUT],
            )
            cur.execute(find_edge, [edge[0], now, size - 1])
            row = cur.fetchone()
            last = row[0] if row else None
            try:
                with transaction.atomic(using=conn.alias):  # a savepoint to fall back to
                    if last is None:  # fewer than size left: the last batch
                        cur.execute(the_rest, [edge[0], now])
                    else:
                        cur.execute(upto_edge, [edge[0], last])
                    count = cur.rowcount
            except OperationalError as e:
                if _state(e) != LOCK_NOT_AVAILABLE:
                    raise
                skipped[0] += 1  # a request holds a row of this range: step around it
                cur.execute(skip_locked, [edge[0], now, size])
                count, last = cur.fetchone()
        if last is not None:
            edge[0] = last
        return count, last

    replicas = ReplicaWait(conn, args.max_replica_lag, stopped)
    result = batching.run(
        delete, Sizer(args.batch_size), stopped, retryable, replicas.wait, Progress(now)
    )
    return {**result, "waited": round(replicas.waited, 1), "stepped_around": skipped[0]}


def _state(e: BaseException) -> str | None:
    cause = e.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def retryable(e: BaseException) -> bool:
    return _state(e) in RETRY_STATES


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
