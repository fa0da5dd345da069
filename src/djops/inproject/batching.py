"""The batch loop: each batch one short transaction, its size steered by
the time it took (djops.inproject.sizing), lock waits cut short and retried.

A batch that hits the server's lock or statement timeout (set by the
vendor's engine) rolls back alone and is retried at half the size: the
request that held the lock wins, never the cleanup. Nothing is logged per
batch: a progress line at most every few seconds (djops.inproject.progress)
and the run's summary.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .progress import Progress
from .sizing import Sizer

MAX_RETRIES = 50  # in a row; then the run fails and says why


def names(model: Any, conn: Any) -> tuple[str, str, Any, Any]:
    """The quoted table and expire_date column, and now and the start of
    time as the driver takes them: what every batch statement needs. Each
    batch then starts where the last one ended, because deleted rows stay in
    the expire_date index until VACUUM (InnoDB: purge), and a scan from the
    index's start would walk over all of them again."""
    from django.utils import timezone

    q, adapt = conn.ops.quote_name, conn.ops.adapt_datetimefield_value
    start = adapt(datetime(1970, 1, 1, tzinfo=UTC))
    return q(model._meta.db_table), q("expire_date"), adapt(timezone.now()), start


def range_statements(table: str, expire: str) -> tuple[str, str]:
    """(find the edge, delete up to it): the size-th row's expire_date from the
    last edge on (params: edge, now, size - 1), then every row from the last
    edge up to it, ties included (params: edge, that date). A range of the
    index, the way one big DELETE reads it, and no row locks beyond the rows."""
    find_edge = (
        f"SELECT {expire} FROM {table} WHERE {expire} >= %s AND {expire} < %s "
        f"ORDER BY {expire} LIMIT 1 OFFSET %s"
    )
    return find_edge, f"DELETE FROM {table} WHERE {expire} >= %s AND {expire} <= %s"


def run(
    delete: Callable[[int], tuple[int, Any]],
    sizer: Sizer,
    stopped: Callable[[], bool],
    retryable: Callable[[BaseException], bool],
    before: Callable[[], Any] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """`delete(n)` removes up to n expired rows in one transaction and returns
    how many and the last one's expire_date; `retryable(error)` says which
    errors are a timeout worth a retry; `before()` runs before each batch."""
    total = batches = retries = in_a_row = 0
    longest = 0.0
    while not stopped():
        if before is not None:
            before()
            if stopped():
                break
        size = sizer.size
        started = time.monotonic()
        try:
            n, edge = delete(size)
        except Exception as e:
            if not retryable(e) or in_a_row >= MAX_RETRIES:
                raise
            retries, in_a_row = retries + 1, in_a_row + 1
            sizer.failed()
            time.sleep(min(1.0, 0.05 * in_a_row))
            continue
        took = time.monotonic() - started
        total, batches, in_a_row = total + n, batches + 1, 0
        longest = max(longest, took)
        if progress is not None:
            progress.batch(total, edge)
        if n < size:  # the rest is gone, or locked by requests using it
            break
        sizer.took(n, took)
    return {"rows": total, "batches": batches, "longest": round(longest, 3), "retries": retries}
