"""MariaDB and MySQL: `DELETE ... WHERE expire_date < now ORDER BY
expire_date LIMIT n`, one transaction per batch, small enough for Galera's
write-set limits (wsrep_max_ws_rows), with the session's lock wait cut to a
second (and, on MariaDB, every statement capped at a second) so no batch
waits long behind a request saving a session.
"""

import contextlib
from collections.abc import Callable
from typing import Any

from . import batching

# lock wait timeout, deadlock, MariaDB statement timeout, MySQL's
RETRY_CODES = {1205, 1213, 1969, 3024}


def purge(model: Any, conn: Any, args: Any, stopped: Callable[[], bool]) -> dict[str, Any]:
    from django.db import DatabaseError, transaction
    from django.utils import timezone

    q = conn.ops.quote_name
    table = q(model._meta.db_table)
    now = conn.ops.adapt_datetimefield_value(timezone.now())
    sql = f"DELETE FROM {table} WHERE {q('expire_date')} < %s ORDER BY {q('expire_date')} LIMIT %s"
    with conn.cursor() as cur:
        cur.execute("SET SESSION innodb_lock_wait_timeout = 1")
        if conn.mysql_is_mariadb:
            # an old server without it: the lock wait limit still holds
            with contextlib.suppress(DatabaseError):
                cur.execute("SET SESSION max_statement_time = 1")

    def delete(size: int) -> int:
        with transaction.atomic(using=conn.alias), conn.cursor() as cur:
            cur.execute(sql, [now, size])
            return cur.rowcount

    return batching.run(delete, args.batch_size, stopped, retryable)


def retryable(e: BaseException) -> bool:
    args = getattr(e.__cause__, "args", None) or getattr(e, "args", ())
    return bool(args) and args[0] in RETRY_CODES
