"""MariaDB and MySQL: each batch one transaction, a range of the
expire_date index from the last batch's edge up to its size-th row, sized
to the time budget (djops.inproject.sizing) below batch_size, the bound for
Galera's write-set limits (wsrep_max_ws_rows), with the session's lock wait
cut to a second (and, on MariaDB, every statement capped at a second) so no
batch waits long behind a request saving a session.
"""

import contextlib
from collections.abc import Callable
from typing import Any

from .. import batching
from ..progress import Progress
from ..sizing import Sizer

# the database's own clock, in epoch seconds (claims)
NOW = "UNIX_TIMESTAMP(NOW(6))"
# the claim's key, and an expression made to compare exactly: a VARCHAR's
# default collation ignores case (`Shop` = `shop`); a table made before
# utf8mb4_bin keeps its own, so the purge compares bytes
KEY = "VARCHAR(190) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
BINARY = "CAST({} AS BINARY)"
SOCKET = "/run/mysqld/mysqld.sock"  # Debian's default when HOST is empty
# the claim's driver-only connection (connect): settings engines that are this vendor
ENGINES = ("django.db.backends.mysql", "django.contrib.gis.db.backends.mysql")
FOUND_ROWS = 2  # CLIENT.FOUND_ROWS, as Django sets it: rowcount counts matched rows


# lock wait timeout, deadlock, MariaDB statement timeout, MySQL's
RETRY_CODES = {1205, 1213, 1969, 3024}


def purge(model: Any, conn: Any, args: Any, stopped: Callable[[], bool]) -> dict[str, Any]:
    from django.db import DatabaseError, transaction

    table, expire, now, start = batching.names(model, conn)
    # a range of the expire_date index up to its size-th row (MySQL has no
    # DELETE ... RETURNING to say where a LIMIT stopped)
    find_edge, upto_edge = batching.range_statements(table, expire)
    the_rest = (
        f"DELETE FROM {table} WHERE {expire} >= %s AND {expire} < %s ORDER BY {expire} LIMIT %s"
    )
    low = [start]
    with conn.cursor() as cur:
        cur.execute("SET SESSION innodb_lock_wait_timeout = 1")
        if conn.mysql_is_mariadb:
            # an old server without it: the lock wait limit still holds
            with contextlib.suppress(DatabaseError):
                cur.execute("SET SESSION max_statement_time = 1")

    def delete(size: int) -> tuple[int, Any]:
        with transaction.atomic(using=conn.alias), conn.cursor() as cur:
            cur.execute(find_edge, [low[0], now, size - 1])
            row = cur.fetchone()
            if row is None:  # fewer than size left: the last batch
                cur.execute(the_rest, [low[0], now, size])
                return cur.rowcount, None
            cur.execute(upto_edge, [low[0], row[0]])
            low[0] = row[0]
            return cur.rowcount, row[0]  # the rows up to the edge: size, or more on a tie

    return batching.run(delete, Sizer(args.batch_size), stopped, retryable, progress=Progress(now))


def retryable(e: BaseException) -> bool:
    args = getattr(e.__cause__, "args", None) or getattr(e, "args", ())
    return bool(args) and args[0] in RETRY_CODES


def lock(cur: Any, digest: bytes) -> bool:
    """A run's claim: GET_LOCK on this connection, held while it runs."""
    cur.execute("SELECT GET_LOCK(%s, 0)", ["djops:" + digest.hex()[:40]])
    return bool(cur.fetchone()[0])


def address(conn: Any, host: str, port: str) -> dict[str, Any]:
    s = conn.settings_dict
    sock = (s.get("OPTIONS") or {}).get("unix_socket") or (host if host.startswith("/") else "")
    if not sock and host in ("", "localhost") and not _pure_python_driver(conn):
        sock = SOCKET  # libmysqlclient takes "localhost" to mean the socket
    if sock:
        return {"vendor": conn.vendor, "unix": sock}
    return {"vendor": conn.vendor, "host": host or "localhost", "port": int(port or 3306)}


def _pure_python_driver(conn: Any) -> bool:
    """PyMySQL (installed as MySQLdb) connects to localhost over TCP."""
    return "pymysql" in str(getattr(conn.Database, "__file__", ""))


def connect(s: dict[str, Any]) -> tuple[Any, Any]:
    """(driver, connection in autocommit) with the driver alone, given the
    arguments Django's backend gives it: MySQLdb (or PyMySQL installed as
    it by the settings), else PyMySQL itself."""
    try:
        import MySQLdb as driver
    except ImportError:
        import pymysql as driver  # type: ignore[no-redef]
    params: dict[str, Any] = {"charset": "utf8", "client_flag": FOUND_ROWS}
    for key, arg in (("USER", "user"), ("NAME", "database"), ("PASSWORD", "password")):
        if s.get(key):
            params[arg] = s[key]
    host = str(s.get("HOST") or "")
    if host:
        params["unix_socket" if host.startswith("/") else "host"] = host
    if s.get("PORT"):
        params["port"] = int(s["PORT"])
    params.update({k: v for k, v in (s.get("OPTIONS") or {}).items() if k != "isolation_level"})
    conn = driver.connect(**params)
    conn.autocommit(True)
    return driver, conn
