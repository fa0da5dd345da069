"""Once per fleet: claim a scheduled occurrence in the database every app
server shares, and hold it for the run's length.

The table `djops_claim` (created on first use, dropped by `djops disable P
--purge-db`) keeps one row per job: the host that ran it last and when, by
the database's own clock. A host claims when the last claim is older than
the window (half the schedule's period), so the same occurrence fired by
each host's timer minutes apart runs once, and a host that is down is not
waited for. PostgreSQL's advisory lock (MariaDB's GET_LOCK) is held on this
connection while the job runs: nobody starts while a run is under way, and
a run that dies releases it with its connection. SQLite is one host's file:
the unit itself is the lock there.

The project user owns that database and anyone may take an advisory lock,
so a skip says what the database knows for health to judge: how long the
holder's claim has run, and when any host last finished with exit 0. A
claim whose `started` lies ahead of the database's clock was not written by
djops and is taken over.

The connection is the driver's alone (djops.inproject.claimdb: no second
Django). The decision goes out on --result-fd at once; the run's exit status comes
back on stdin when it ends (EOF alone: the run died).
"""

import contextlib
import select
import signal
import sys
import time
from typing import Any

from . import claimdb

REPORTS_EARLY = True  # the decision, before the run; main reports nothing after
TABLE = "djops_claim"
LOCK_TRIES = 3
KEEPALIVE = 600.0  # seconds between two queries while the run holds the claim
# {key}: the vendor's KEY, a type that compares exactly (MariaDB's VARCHAR
# ignores case under its default collation: `Shop` and `shop` would share a claim)
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (job {{key}} PRIMARY KEY, "
    "host VARCHAR(255) NOT NULL, started DOUBLE PRECISION NOT NULL, "
    "finished DOUBLE PRECISION NULL, exit_status INTEGER NULL, succeeded DOUBLE PRECISION NULL)"
)
# added after the first release: a table made before lacks it
SUCCEEDED = "succeeded"


def lock(db: claimdb.Db, job: str) -> bool:
    return db.module.lock(db, sha256(f"djops:{job}".encode()))


def sha256(data: bytes) -> bytes:
    """The lock's key, the same on every host and djops version, from
    Python's own sha256 where it has one: hashlib loads OpenSSL, 4 MB held
    for the run's length."""
    try:
        from _sha2 import sha256 as own  # Python 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256 as own  # type: ignore[no-redef]  # 3.11
        except ImportError:
            from hashlib import sha256 as own  # type: ignore[no-redef]
    return own(data).digest()


def claim(db: claimdb.Db, job: str, host: str, window: float) -> dict[str, Any]:
    """{"run": True, "started": t} or {"run": False, "holder": host, ...}.
    Each statement is its own transaction (autocommit): the lock orders the
    claimers of a server, the primary key those of SQLite's one file."""
    now = db.module.NOW
    db.execute(CREATE.format(key=db.module.KEY))
    _add_succeeded(db)
    held = lock(db, job)
    for _ in range(LOCK_TRIES):  # another host in its claim's few ms: let it commit
        if held:
            break
        time.sleep(0.5)
        held = lock(db, job)
    won = False
    if held:
        try:
            db.execute(
                f"INSERT INTO {TABLE} (job, host, started) VALUES (%s, %s, {now})", [job, host]
            )
            won = True
        except db.driver.IntegrityError:  # claimed before: ours if that was long enough ago
            cur = db.execute(
                f"UPDATE {TABLE} SET host = %s, started = {now}, finished = NULL, "
                f"exit_status = NULL WHERE job = %s "
                f"AND (started < {now} - %s OR started > {now})",
                [host, job, window],
            )
            won = cur.rowcount == 1
    row = db.execute(
        f"SELECT host, started, finished, succeeded, {now} FROM {TABLE} WHERE job = %s", [job]
    ).fetchone()
    if won:
        return {"run": True, "started": row[1]}
    return skipped(row, held)


def skipped(row: Any, held: bool) -> dict[str, Any]:
    """The decision not to run, with what health needs to judge the holder:
    `held_for` (its claim's age while it runs), `succeeded_ago` (the last
    exit 0 of any host; None if never, or if it lies in the future)."""
    host, started, finished, succeeded, clock = row if row else (None, None, None, None, None)
    out: dict[str, Any] = {"run": False, "holder": host or "another host"}
    if not held and row is not None and finished is not None:
        # the lock is taken, but by no claim in the table (LOCK_TRIES let a claimer commit)
        out.update(holder="a session holding the lock (no claim under way)", running=True)
    else:
        out["running"] = not held or finished is None
        if out["running"]:
            out["held_for"] = _ago(started, clock)
    out["ago"] = _ago(started, clock)
    out["succeeded_ago"] = _ago(succeeded, clock)
    return out


def _ago(stamp: Any, clock: Any) -> float | None:
    """Seconds from `stamp` to the database's clock; None for none, or one ahead of it."""
    if stamp is None or clock is None or float(stamp) > float(clock):
        return None
    return round(float(clock) - float(stamp), 1)


def _add_succeeded(db: claimdb.Db) -> None:
    """A table made by an older djops gets the column (another host may race us)."""
    try:
        db.execute(f"SELECT {SUCCEEDED} FROM {TABLE} WHERE 1 = 0").fetchall()
        return
    except db.driver.Error:
        pass
    with contextlib.suppress(db.driver.Error):  # added by the other host meanwhile
        db.execute(f"ALTER TABLE {TABLE} ADD COLUMN {SUCCEEDED} DOUBLE PRECISION NULL")


def finish(db: claimdb.Db, job: str, host: str, started: float, status: int | None) -> None:
    now = db.module.NOW
    db.execute(
        f"UPDATE {TABLE} SET finished = {now}, exit_status = %s"
        + (f", {SUCCEEDED} = {now}" if status == 0 else "")
        + " WHERE job = %s AND host = %s AND started = %s",
        [status, job, host, started],
    )


def drop(db: claimdb.Db, project: str) -> dict[str, Any]:
    """`djops disable P --purge-db`: P's rows go; the table too once empty."""
    try:
        db.execute(f"SELECT 1 FROM {TABLE} WHERE 1 = 0").fetchall()
    except db.driver.Error:  # no such table: nothing to remove
        return {"rows": 0, "dropped": False}
    # the prefix compared exactly, byte for byte: LIKE ignores case on SQLite
    # and MariaDB (`shop`'s purge took `Shop`'s rows) and `_` is its wildcard
    exact, prefix = db.module.BINARY, f"{project}:"
    rows = db.execute(
        f"DELETE FROM {TABLE} WHERE {exact.format('substr(job, 1, %s)')} = {exact.format('%s')}",
        [len(prefix), prefix],
    ).rowcount
    empty = db.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 0
    if empty:
        db.execute(f"DROP TABLE {TABLE}")
    return {"rows": rows, "dropped": empty}


def wait_for_the_end(db: claimdb.Db, keepalive: float) -> str:
    """The run's exit status line ("" at EOF: it died). Meanwhile a query
    now and then, so an idle connection (MariaDB's wait_timeout, 8 h by
    default; PostgreSQL's idle_session_timeout) does not end, lock and all."""
    while True:
        if select.select([sys.stdin], [], [], keepalive)[0]:
            return sys.stdin.readline().strip()
        db.execute("SELECT 1").fetchall()


def run(argv: list[str], redactor: Any, report: Any) -> tuple[dict[str, Any], int]:
    import argparse

    parser = argparse.ArgumentParser(prog="claim")
    parser.add_argument("--job", required=True)  # P:NAME
    parser.add_argument("--host", default="")
    parser.add_argument("--window", type=float, default=0.0)
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--keepalive", type=float, default=KEEPALIVE)
    args = parser.parse_args(argv)
    db, problem = claimdb.open_db(redactor)
    if db is None:
        return {"error": problem}, 1
    if args.drop:
        return drop(db, args.job.partition(":")[0]), 0
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the run's end (stdin) ends us
    decision = claim(db, args.job, args.host, args.window)
    report(decision)
    if decision["run"]:
        line = wait_for_the_end(db, args.keepalive)
        finish(db, args.job, args.host, decision["started"], int(line) if line.isdigit() else None)
    db.close()
    return {}, 0
