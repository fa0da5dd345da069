"""A run under way, as `djops status` says it."""

import time

import pytest

from djops.project import running


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0.2, "0 s"), (12, "12 s"), (119, "119 s"), (600, "10 min"), (9000, "2.5 h")],
)
def test_a_span_reads_at_once(seconds, said):
    assert running.span(seconds) == said


@pytest.mark.parametrize("state", ["inactive", "failed", ""])
def test_a_unit_not_running_says_nothing(state):
    start = str(int((time.monotonic() - 5) * 1e6))
    assert running.since({"ActiveState": state, "InactiveExitTimestampMonotonic": start}) == ""


def test_a_unit_that_never_left_inactive_says_nothing():
    assert running.since({"ActiveState": "activating", "InactiveExitTimestampMonotonic": "0"}) == ""
    assert running.since({"ActiveState": "active"}) == ""
