"""The batch loop of the server databases: each batch one short transaction,
its size steered by the time it took, lock waits cut short and retried.

A batch over BUDGET seconds makes the next one smaller; a quick one lets it
grow back, never past the configured batch_size. A batch that hits the
server's lock or statement timeout (set per transaction by the vendor's
engine) rolls back alone and is retried at half the size: the request that
held the lock wins, never the cleanup.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

BUDGET = 0.25  # seconds per transaction
MIN_BATCH = 100
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


def run(
    delete: Callable[[int], int],
    batch_size: int,
    stopped: Callable[[], bool],
    retryable: Callable[[BaseException], bool],
    before: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """`delete(n)` removes up to n expired rows in one transaction, returns how
    many; `retryable(error)` says which errors are a timeout worth a retry."""
    total = batches = retries = in_a_row = 0
    size, longest = batch_size, 0.0
    while not stopped():
        if before is not None:
            before()
            if stopped():
                break
        started = time.monotonic()
        try:
            n = delete(size)
        except Exception as e:
            if not retryable(e) or in_a_row >= MAX_RETRIES:
                raise
            retries, in_a_row = retries + 1, in_a_row + 1
            size = max(MIN_BATCH, size // 2)
            time.sleep(min(1.0, 0.05 * in_a_row))
            continue
        took = time.monotonic() - started
        total, batches, in_a_row = total + n, batches + 1, 0
        longest = max(longest, took)
        if n < size:  # the rest is gone, or locked by requests using it
            break
        if took > BUDGET:
            size = max(MIN_BATCH, int(size * BUDGET / took))
        elif took < BUDGET / 2:
            size = min(batch_size, size * 2)
    return {"rows": total, "batches": batches, "longest": round(longest, 3), "retries": retries}
