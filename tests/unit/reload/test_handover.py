"""The hand-over's order and its failure paths, against fake units."""

import pytest

from djops.errors import OperationError
from djops.reload import handover

SVC, STANDIN = "p.service", "djops-standin@p.service"


class Fake:
    """Units whose state follows a script: {unit: [states...]} per poll."""

    def __init__(self, standin_states, service_states=("active",), fail_start=False):
        self.log: list[str] = []
        self.states = {STANDIN: list(standin_states), SVC: list(service_states)}
        self.fail_start = fail_start
        self.running = {SVC}

    def start(self, unit):
        self.log.append(f"start {unit}")
        if self.fail_start:
            raise OperationError("systemctl start failed")
        self.running.add(unit)

    def stop(self, unit):
        self.log.append(f"stop {unit}")
        self.running.discard(unit)

    def restart(self, unit):
        self.log.append(f"restart {unit}")
        assert STANDIN in self.running, "the stand-in serves while the service restarts"

    def state(self, unit):
        s = self.states[unit]
        return s.pop(0) if len(s) > 1 else s[0]

    def warm(self, unit):
        return self.state(unit) == "active"

    def warm_up(self, unit):
        self.log.append(f"warm up {unit}")

    def why(self, unit):
        return "exit status 3"


def run(fake, timeout=5.0):
    t = [0.0]

    def sleep(s):
        t[0] += s

    return handover.run(SVC, STANDIN, fake, timeout, clock=lambda: t[0], sleep=sleep)


def test_the_stand_in_serves_while_the_service_restarts_then_stops():
    fake = Fake(["activating", "active"], ["activating", "active"])
    figures = run(fake)
    assert fake.log == [
        f"stop {STANDIN}",
        f"start {STANDIN}",
        f"warm up {STANDIN}",  # Django's URLconf loaded before any visitor depends on it
        f"restart {SVC}",
        f"warm up {SVC}",
        f"stop {STANDIN}",
    ]
    assert figures.standin_warm > 0 and figures.service_warm > 0
    assert fake.running == {SVC}


@pytest.mark.parametrize("states", [["active", "failed"], ["inactive"]])
def test_a_stand_in_that_dies_is_rejected_and_the_service_is_never_touched(states):
    fake = Fake(["activating", *states])
    with pytest.raises(handover.Rejected, match=r"did not come up.*exit status 3"):
        run(fake)
    assert f"restart {SVC}" not in fake.log and f"warm up {STANDIN}" not in fake.log
    assert fake.running == {SVC}, "nothing of the stand-in is left running"


def test_a_stand_in_never_warm_is_rejected_after_the_timeout():
    fake = Fake(["activating"])
    with pytest.raises(handover.Rejected, match="not warm after 5s"):
        run(fake)
    assert f"restart {SVC}" not in fake.log and fake.running == {SVC}


def test_a_stand_in_that_cannot_start_is_rejected():
    fake = Fake(["active"], fail_start=True)
    with pytest.raises(handover.Rejected):
        run(fake)
    assert fake.log[-1] == f"stop {STANDIN}" and f"restart {SVC}" not in fake.log


def test_a_service_that_fails_after_its_restart_fails_and_the_stand_in_still_stops():
    fake = Fake(["active"], ["activating", "failed"])
    with pytest.raises(handover.Failed, match="did not come back"):
        run(fake)
    assert fake.log[-1] == f"stop {STANDIN}" and STANDIN not in fake.running
