"""The batch loop: sizes follow the time budget (a fake clock: each batch
advances it by what it would take), timeouts shrink the batch and retry,
other errors and endless timeouts fail the run, a stop keeps what was done."""

import pytest

from djops.inproject import batching, sizing
from djops.inproject.sizing import Sizer


class Timeout(Exception):
    pass


def table(rows: int, took=lambda n: 0.0, fail_first: int = 0, clock=None):
    """A fake table of `rows` expired rows; `took(n)` is a batch's duration."""
    state = {"left": rows, "sizes": [], "fails": fail_first}

    def delete(n: int) -> int:
        state["sizes"].append(n)
        if state["fails"]:
            state["fails"] -= 1
            raise Timeout("canceling statement due to lock timeout")
        clock[0] += took(n)
        gone = min(n, state["left"])
        state["left"] -= gone
        return gone, None

    return delete, state


@pytest.fixture
def clock(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(batching.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(batching.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    return now


def never(_e):
    return False


def test_fast_batches_grow_to_the_upper_bound_and_stop_when_a_batch_is_short(clock):
    delete, state = table(25_000, clock=clock)
    res = batching.run(delete, Sizer(10_000, start=10_000), lambda: False, never)
    assert res["rows"] == 25_000 and res["batches"] == 3
    assert state["sizes"] == [10_000, 10_000, 10_000]


def test_batches_grow_to_the_budget_not_to_a_fixed_size(clock):
    # 1 us per row plus 5 ms per commit: 1M rows in a few batches near 0.2 s
    delete, state = table(1_000_000, took=lambda n: 0.005 + n * 1e-6, clock=clock)
    res = batching.run(delete, Sizer(10**7), lambda: False, never)
    assert res["rows"] == 1_000_000
    assert state["sizes"][:4] == [1000, 4000, 16000, 64000]
    assert res["batches"] <= 12 and res["longest"] <= sizing.BUDGET


def test_slow_batches_shrink_to_the_budget(clock):
    # 0.1 ms per row: 10,000 rows take 1 s, four times the budget
    delete, state = table(40_000, took=lambda n: n * 1e-4, clock=clock)
    res = batching.run(delete, Sizer(10_000, start=10_000), lambda: False, never)
    assert res["rows"] == 40_000
    assert state["sizes"][0] == 10_000 and state["sizes"][1] == 2_000
    assert max(state["sizes"][1:]) <= 2_000
    assert res["longest"] == pytest.approx(1.0)


def test_a_timeout_retries_at_half_size(clock):
    delete, state = table(300, fail_first=2, clock=clock)
    res = batching.run(delete, Sizer(1000), lambda: False, lambda e: isinstance(e, Timeout))
    assert state["sizes"][:3] == [1000, 500, 250]
    assert res["rows"] == 300 and res["retries"] == 2


def test_other_errors_and_endless_timeouts_fail_the_run(clock):
    delete, _ = table(300, fail_first=1, clock=clock)
    with pytest.raises(Timeout):
        batching.run(delete, Sizer(1000), lambda: False, never)
    delete, _ = table(300, fail_first=10**6, clock=clock)
    with pytest.raises(Timeout):
        batching.run(delete, Sizer(1000), lambda: False, lambda e: True)


def test_stop_keeps_what_was_done(clock):
    delete, _ = table(10**6, clock=clock)
    calls = iter([False, False, True])
    res = batching.run(delete, Sizer(100), lambda: next(calls), never)
    assert res["rows"] == 200 and res["batches"] == 2
