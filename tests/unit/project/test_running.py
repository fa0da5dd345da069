"""A run under way, as `djops status` says it."""

import time

import pytest

from djops.project import running


@pytest.mark.parametrize("state", ["inactive", "failed", ""])
def test_a_unit_not_running_says_nothing(state):
    start = str(int((time.monotonic() - 5) * 1e6))
    assert running.since({"ActiveState": state, "InactiveExitTimestampMonotonic": start}) == ""


def test_a_unit_that_never_left_inactive_says_nothing():
    assert running.since({"ActiveState": "activating", "InactiveExitTimestampMonotonic": "0"}) == ""
    assert running.since({"ActiveState": "active"}) == ""
