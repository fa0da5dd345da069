"""restart = "handover": a stand-in gunicorn on the same socket serves while
P.service restarts, so no request waits for the app to load.

1. start djops-standin@P.service (P.service's twin, with the new code);
2. wait until every stand-in worker has loaded the app; if it fails or
   times out, stop it: P.service was never touched (Rejected); then send a few
   HTTP requests through the socket (Django loads its URLs on the first);
3. restart P.service while the stand-in serves; wait until its workers are
   warm, and warm them up the same way;
4. stop the stand-in gracefully (its workers finish their requests), whatever
   happened in 3: nothing is left running after a failure (Failed).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from djops.errors import OperationError

POLL = 0.2


class Rejected(OperationError):
    """The stand-in did not come up: P.service untouched, still serving."""


class Failed(OperationError):
    """P.service did not come back warm after its restart."""


@dataclass(frozen=True)
class Figures:
    standin_warm: float  # seconds from the stand-in's start until all its workers were warm
    service_warm: float  # seconds from P.service's restart until all its workers were warm
    total: float


class Units(Protocol):
    """What the sequence needs from systemd (faked in tests)."""

    def start(self, unit: str) -> None: ...
    def stop(self, unit: str) -> None: ...
    def restart(self, unit: str) -> None: ...
    def state(self, unit: str) -> str: ...  # ActiveState
    def warm(self, unit: str) -> bool: ...
    def warm_up(self, unit: str) -> None: ...  # HTTP requests through the socket; never raises
    def why(self, unit: str) -> str: ...  # its last log lines, for the reason


def run(
    service: str,
    standin: str,
    ops: Units,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Figures:
    t0 = clock()
    ops.stop(standin)  # a leftover of a crashed run would share the socket
    try:
        ops.start(standin)
        _wait(standin, ops, timeout, clock, sleep)
        ops.warm_up(standin)
    except OperationError as e:
        ops.stop(standin)
        raise Rejected(f"the stand-in {standin} did not come up: {e}") from None
    t1 = clock()
    try:
        ops.restart(service)
        _wait(service, ops, timeout, clock, sleep)
        ops.warm_up(service)
    except OperationError as e:
        raise Failed(f"{service} did not come back after its restart: {e}") from None
    finally:
        ops.stop(standin)
    t2 = clock()
    return Figures(standin_warm=t1 - t0, service_warm=t2 - t1, total=clock() - t0)


def _wait(unit: str, ops: Units, timeout: float, clock, sleep) -> None:
    deadline = clock() + timeout
    while True:
        state = ops.state(unit)
        if state in ("failed", "inactive"):
            raise OperationError(f"{unit} is {state}: {ops.why(unit)}")
        if state == "active" and ops.warm(unit):
            return
        if clock() > deadline:
            raise OperationError(f"its workers were not warm after {timeout:g}s: {ops.why(unit)}")
        sleep(POLL)
