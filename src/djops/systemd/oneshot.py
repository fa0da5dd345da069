"""Run a unit's one run (a oneshot, or a Type=notify job) on behalf of root at the terminal, so the run gets the
unit's user, sandbox, journal trail and failure mail, and answer with the
event it logged. With `show`, the run's lines are shown as they come.

start_and_wait() is the one way djops starts a run and waits for it (`djops
run`, `reload`, `clearsessions`, `heartbeat`, the watcher): it takes the run's
invocation id once, as the run begins, and reads the result event of that
invocation only, so a run someone else starts meanwhile (the timer's, a
`djops reload` typed while the watcher reloads) is never taken for it.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from djops.config import Config
from djops.errors import OperationError
from djops.systemd import bulk, dropins, follow, journal, systemctl, units

# states of a run under way (a Type=notify run is "active" until it ends;
# none of these units stays active after its run: no RemainAfterExit=)
BUSY = ("activating", "active", "deactivating", "reloading")
POLL = 0.05  # seconds between two looks for the run's invocation id
RESULT_WAIT = 3.0  # seconds for journald to store the run's result event


@dataclass(frozen=True)
class Run:
    unit: str
    ok: bool  # systemd's Result of the run
    invocation: str  # "" when the start made no run (refused, failed at once)
    entry: dict[str, Any] | None  # the run's own result event

    @property
    def message(self) -> str:
        return str(self.entry["MESSAGE"]) if self.entry else f"{self.unit} finished"


def run(
    cfg: Config,
    unit: str,
    events: tuple[str, ...],
    timeout: float | None = None,
    show: Callable[[str], None] | None = None,
) -> str:
    """Start `unit` for `cfg`'s project and answer with its result's message."""
    return answer(started(cfg, unit, events, timeout, show))


def started(
    cfg: Config,
    unit: str,
    events: tuple[str, ...],
    timeout: float | None = None,
    show: Callable[[str], None] | None = None,
) -> Run:
    """run() without the answer: the Run (its invocation: the run's lines)."""
    dropins.write_for(cfg)
    return start_and_wait(cfg.name, unit, events, timeout, show)


def answer(r: Run) -> str:
    if not r.ok:
        raise OperationError(f"{r.message}\nSee: journalctl -u {r.unit} -n 30")
    return r.message


def start_and_wait(
    project: str,
    unit: str,
    events: tuple[str, ...],
    timeout: float | None = None,
    show: Callable[[str], None] | None = None,
) -> Run:
    """Start one run of `unit`, wait for its end and for its result event."""
    limit = timeout or 600
    # a run already under way (the timer's, the watcher's) would swallow this
    # start and its result: wait for it to end, then start one of our own
    wait = time.monotonic() + limit
    while True:  # one read for both: each is on the watcher's way to a reload
        now = _show(unit, "ActiveState", "InvocationID")
        if now.get("ActiveState", "") not in BUSY or time.monotonic() >= wait:
            break
        time.sleep(0.2)
    deadline = time.monotonic() + limit
    since = int(time.time() * 1e6)
    before = now.get("InvocationID", "")
    outcome: list[bool] = []
    # systemctl start waits for a oneshot's whole run: its id is taken
    # meanwhile, as the run begins (a new InvocationID), not after its end,
    # when another run may have begun
    starter = threading.Thread(
        target=lambda: outcome.append(systemctl.start(unit, timeout=timeout)), daemon=True
    )
    starter.start()
    invocation = _new_invocation(unit, before, starter)
    starter.join()
    ok = bool(outcome and outcome[0])
    lines = follow.Follow(invocation, show, events) if show and invocation else None
    try:
        if ok:  # a Type=notify run (jobs, clearsessions) was only ready: wait for its end
            while _state(unit) in BUSY and _invocation(unit) == invocation:
                if time.monotonic() > deadline:
                    raise OperationError(f"{unit} still runs; see: journalctl -u {unit} -f")
                if lines:
                    lines.poll(0.2)
                else:
                    time.sleep(0.2)
            ok = _show(unit, "Result").get("Result", "success") == "success"
    finally:
        if lines:
            lines.finish()
    entry = _result(project, events, since, invocation, unit) if invocation else None
    return Run(unit, ok, invocation, entry)


def _show(unit: str, *props: str) -> dict[str, str]:
    """Root asks PID 1 over D-Bus, with no systemctl forked: the watcher's
    reads on its way to a reload, beside the run starting (issue 29)."""
    return bulk.show([unit], props)[unit]


def _state(unit: str) -> str:
    return _show(unit, "ActiveState").get("ActiveState", "")


def _invocation(unit: str) -> str:
    return _show(unit, "InvocationID").get("InvocationID", "")


def _new_invocation(unit: str, before: str, starter: threading.Thread) -> str:
    """The first InvocationID other than `before` while the start is under
    way; after it, a new one only if the start made a run at all."""
    while starter.is_alive():
        now = _invocation(unit)
        if now and now != before:
            return now
        starter.join(POLL)
    now = _invocation(unit)
    return now if now and now != before else ""


def _result(project: str, events: tuple[str, ...], since: int, invocation: str, unit: str) -> Any:
    """The invocation's result event (journald may store it a moment late).
    A job's result is asked for by its job: whose unit may log it."""
    job = units.job_name_of(unit)
    end = time.monotonic() + RESULT_WAIT
    while True:
        entry = journal.last_event(project, events, since, job=job, invocation=invocation)
        if entry or time.monotonic() > end:
            return entry
        time.sleep(0.1)
