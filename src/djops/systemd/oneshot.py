"""Run a oneshot unit on behalf of root at the terminal, so the run gets the
unit's user, sandbox, journal trail and failure mail, and answer with the
event it logged."""

import time

from djops.config import Config
from djops.errors import OperationError
from djops.systemd import dropins, journal, systemctl


def run(cfg: Config, unit: str, events: tuple[str, ...], timeout: float | None = None) -> str:
    dropins.write_for(cfg)
    # a run already under way (the timer's, the watcher's) would swallow this
    # start and its result: wait for it to end, then start one of our own
    deadline = time.monotonic() + (timeout or 600)
    while systemctl.show(unit, "ActiveState").get("ActiveState") in ("activating", "deactivating"):
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    since = int(time.time() * 1e6)
    ok = systemctl.start(unit, timeout=timeout)
    entry = journal.last_event(cfg.name, events, since)
    message = entry["MESSAGE"] if entry else f"{unit} finished"
    if not ok:
        raise OperationError(f"{message}\nSee: journalctl -u {unit} -n 30")
    return message
