"""Run a unit's one run (a oneshot, or a Type=notify job) on behalf of root at the terminal, so the run gets the
unit's user, sandbox, journal trail and failure mail, and answer with the
event it logged. With `show`, the run's lines are shown as they come."""

import time
from collections.abc import Callable

from djops.config import Config
from djops.errors import OperationError
from djops.systemd import dropins, follow, journal, systemctl

# states of a run under way (a Type=notify run is "active" until it ends;
# none of these units stays active after its run: no RemainAfterExit=)
BUSY = ("activating", "active", "deactivating", "reloading")


def run(
    cfg: Config,
    unit: str,
    events: tuple[str, ...],
    timeout: float | None = None,
    show: Callable[[str], None] | None = None,
) -> str:
    dropins.write_for(cfg)
    # a run already under way (the timer's, the watcher's) would swallow this
    # start and its result: wait for it to end, then start one of our own
    wait = time.monotonic() + (timeout or 600)
    while systemctl.show(unit, "ActiveState").get("ActiveState") in BUSY:
        if time.monotonic() > wait:
            break
        time.sleep(0.2)
    deadline = time.monotonic() + (timeout or 600)
    since = int(time.time() * 1e6)
    ok = systemctl.start(unit, timeout=timeout)
    # this run's own id: another run of the project (job B while this is job A)
    # may log its result in the same window
    invocation = systemctl.show(unit, "InvocationID").get("InvocationID", "")
    lines = follow.Follow(invocation, show, events) if show and invocation else None
    try:
        if ok:  # a Type=notify run (jobs, clearsessions) was only ready: wait for its end
            while systemctl.show(unit, "ActiveState").get("ActiveState") in BUSY:
                if time.monotonic() > deadline:
                    raise OperationError(f"{unit} still runs; see: journalctl -u {unit} -f")
                if lines:
                    lines.poll(0.2)
                else:
                    time.sleep(0.2)
            ok = systemctl.show(unit, "Result").get("Result", "success") == "success"
    finally:
        if lines:
            lines.finish()
    entry = journal.last_event(cfg.name, events, since, invocation=invocation or None)
    message = entry["MESSAGE"] if entry else f"{unit} finished"
    if not ok:
        raise OperationError(f"{message}\nSee: journalctl -u {unit} -n 30")
    return message
