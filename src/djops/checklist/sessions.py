"""Checklist items for the session table, from the facts the project's python
read as the project user (djops.inproject.session_table)."""

from djops.checklist.item import FAIL, OK, WARN, Item
from djops.text import plural

SECTION = "sessions"
# dead rows worth a warning: a fifth of the table, and enough to matter
BLOATED_SHARE = 0.2
BLOATED_ROWS = 10_000


def items(facts: dict | None) -> list[Item]:
    if not facts or not facts.get("database"):
        engine = (facts or {}).get("engine", "a non-database engine")
        return [Item(SECTION, OK, f"sessions are kept by {engine}: nothing to clear in a table")]
    where, table = facts["where"], facts["table"]
    if facts.get("connect_error"):
        return [
            Item(
                SECTION,
                FAIL,
                f"{facts['connect_error']}: check DATABASES' USER, PASSWORD and HOST, "
                "and that the server lets this user in (pg_hba.conf, GRANT)",
            )
        ]
    out = [Item(SECTION, OK, f"the project user can connect to the {where}")]
    if facts.get("missing"):
        return [*out, Item(SECTION, FAIL, f"{table} does not exist: run manage.py migrate")]
    if facts.get("index"):
        out.append(Item(SECTION, OK, f"{table} has an index on expire_date"))
    else:
        out.append(
            Item(
                SECTION,
                FAIL,
                f"{table} has no index on expire_date: every clearsessions run reads the "
                f"whole table; recreate it: CREATE INDEX {table}_expire_date ON {table} "
                "(expire_date);",
            )
        )
    if "size_bytes" in facts:
        out.append(_bloat(table, facts["size_bytes"], facts["live_rows"], facts["dead_rows"]))
    if facts.get("journal_mode"):
        out.append(_journal(facts["journal_mode"]))
    return out


def _journal(mode: str) -> Item:
    """Advice, not a fault: in WAL mode a request saving a session waits less
    for a cleanup, and the cleanup's commits cost less (bench/RESULTS.md)."""
    if mode == "wal":
        return Item(SECTION, OK, "the SQLite database is in WAL mode")
    return Item(
        SECTION,
        OK,
        f'the SQLite database is in rollback-journal mode ("{mode}"): WAL mode lets '
        "readers and a writer work at once and makes each clearsessions commit "
        "cheaper (in djops' bench a quarter faster, with shorter waits for a request "
        "saving a session); to switch, as the project user while gunicorn is stopped: "
        "sqlite3 DATABASE 'PRAGMA journal_mode=WAL;' (it stays in the file; the "
        "directory must be writable for the -wal and -shm files)",
    )


def _bloat(table: str, size: int, live: int, dead: int) -> Item:
    share = dead / (live + dead) if live + dead else 0.0
    figure = (
        f"{table}: {_size(size)}, {live} live and {plural(dead, 'dead row')} ({share:.0%} dead)"
    )
    if share >= BLOATED_SHARE and dead >= BLOATED_ROWS:
        return Item(
            SECTION,
            WARN,
            f"{figure}: run VACUUM (ANALYZE) {table}; to give the disk space back "
            f"without a long lock, pg_repack --table {table} (VACUUM FULL locks the "
            "table); if it comes back, lower its autovacuum_vacuum_scale_factor",
        )
    return Item(SECTION, OK, figure)


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
