"""The batch-size controller: from what each batch cost, as many rows as fit
the budget, never past the upper bound, fast down and bounded up."""

import pytest

from djops.inproject import sizing
from djops.inproject.sizing import Sizer


def run(sizer: Sizer, per_row: float, fixed: float = 0.0, batches: int = 12) -> list[float]:
    """Feed `batches` full batches costing `fixed + per_row * rows`: their durations."""
    took = []
    for _ in range(batches):
        rows = sizer.size
        took.append(fixed + per_row * rows)
        sizer.took(rows, took[-1])
    return took


def test_starts_small_and_grows_at_most_fourfold_per_batch():
    s = Sizer(1_000_000)
    assert s.size == sizing.START
    sizes = [s.size]
    for _ in range(4):
        sizes.append(s.took(s.size, 0.001))
    assert sizes == [1000, 4000, 16000, 64000, 256000]


def test_settles_at_the_aim_of_the_budget_and_never_over_it():
    s = Sizer(10**9)
    took = run(s, per_row=2e-6, fixed=0.005)
    assert max(took) <= sizing.BUDGET
    assert took[-1] == pytest.approx(sizing.AIM * sizing.BUDGET, rel=0.05)


def test_the_upper_bound_is_never_passed():
    s = Sizer(5000)
    run(s, per_row=1e-9)
    assert s.size == 5000


def test_a_slow_batch_shrinks_the_next_to_fit_at_once():
    s = Sizer(10**6, start=100_000)
    # 100,000 rows took 1 s: four times the budget; the next aims at 0.2 s
    assert s.took(100_000, 1.0) == 20_000


def test_never_below_the_floor_nor_above_a_small_upper_bound():
    s = Sizer(10**6)
    assert s.took(1000, 100.0) == sizing.MIN_BATCH
    tiny = Sizer(7)
    assert tiny.size == 7 and tiny.took(7, 100.0) == 7 and tiny.failed() == 7


def test_a_timeout_halves_the_size():
    s = Sizer(10**6, start=8000)
    assert s.failed() == 4000 and s.failed() == 2000


def test_a_short_quick_batch_keeps_the_size_and_a_slow_one_still_shrinks_it():
    s = Sizer(10**6, start=8000)
    assert s.took(10, 0.001) == 8000
    assert s.took(4000, 0.5) == 1600


def test_nothing_removed_teaches_nothing():
    s = Sizer(10**6)
    assert s.took(0, 0.0) == sizing.START


def test_another_budget_is_aimed_at_too():
    s = Sizer(10**9, budget=0.14)
    took = run(s, per_row=1e-6)
    assert took[-1] == pytest.approx(0.8 * 0.14, rel=0.05)
