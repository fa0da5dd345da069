"""Two jobs of one project run at once: `djops run demo a` prints a's own
result, never b's line that ended in the same window (the result is read by
the run's INVOCATION_ID)."""

import pytest

CONFIG = """[jobs.a]
exec = ["/bin/sh", "-c", "sleep 1; echo a-output"]
schedule = "weekly"
[jobs.b]
exec = ["/bin/sh", "-c", "sleep 1; echo b-output"]
schedule = "weekly"
"""


@pytest.fixture(scope="module", autouse=True)
def with_two_jobs(machine):
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.sh("djops enable demo")
    yield
    machine.put("/etc/djops/demo.toml", "")
    machine.sh("djops enable demo")


def test_each_of_two_jobs_run_at_once_prints_its_own_result(machine):
    for _ in range(3):  # they end within the same fraction of a second, in either order
        out = machine.sh(
            "djops run demo a >/tmp/a.out 2>&1 & djops run demo b >/tmp/b.out 2>&1; wait; "
            "cat /tmp/a.out; echo ====; cat /tmp/b.out"
        ).stdout
        a, b = out.split("====\n")
        assert "a-output" in a and "job a of demo done" in a and "job b" not in a, out
        assert "b-output" in b and "job b of demo done" in b and "job a" not in b, out
