"""Restart or gracefully reload the project's gunicorn unit and make sure it
came back, for the reload's apply step (settings applied). Health's
self-healing restart does not wait here: it queues `systemctl restart
--no-block` from its round (a unit slow to stop must not stall the round),
and the next rounds show whether it helped."""

import time

from djops.config import restart_modes
from djops.errors import OperationError
from djops.systemd import gunicorn_unit, systemctl

SETTLE_SECONDS = 1.0


def preloads(unit: str) -> str:
    """Why a SIGHUP would not load new settings into `unit`'s gunicorn ("" if
    it would, or if its command cannot be read)."""
    try:
        return gunicorn_unit.read(unit).preloads()
    except ValueError:
        return ""


def refuse_reload(unit: str) -> str:
    """The one line that says why restart = "reload" cannot work for `unit`."""
    why = preloads(unit)
    if not why:
        return ""
    return f"{unit} preloads the app ({why}): a SIGHUP there does not load new settings"


def apply(unit: str, mode: str = restart_modes.DEFAULT, timeout: float = 60.0) -> int:
    """`systemctl restart|reload unit` (the mode's verb), then wait until it
    is active; its MainPID."""
    how = restart_modes.of(mode)
    if how.needs_exec_reload:  # a restart asks nothing first: one systemctl less on its path
        state = systemctl.show(unit, "LoadState", "ExecReload")
        _exists(unit, state)
        if not state.get("ExecReload"):
            raise OperationError(
                f'{unit} has no ExecReload=, so [watch] restart = "{how.name}" cannot work: add '
                "`ExecReload=/bin/kill -s HUP $MAINPID` to it, or use "
                f'restart = "{restart_modes.DEFAULT}"'
            )
        if why := refuse_reload(unit):
            raise OperationError(f'{why}; use [watch] restart = "{restart_modes.DEFAULT}"')
    proc = systemctl.run(how.systemctl, unit, check=False)
    if proc.returncode != 0:
        _exists(unit, systemctl.show(unit, "LoadState"))
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise OperationError(
            f"systemctl {how.systemctl} {unit}: {detail[-1] if detail else 'failed'}"
        )
    return wait_active(unit, timeout)


def _exists(unit: str, state: dict[str, str]) -> None:
    if state.get("LoadState") != "loaded":
        raise OperationError(f"{unit} does not exist; set [project] service in the djops config")


def wait_active(unit: str, timeout: float) -> int:
    """Active, and still active with the same MainPID a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        s = systemctl.show(unit, "ActiveState", "MainPID")
        if s.get("ActiveState") == "active":
            time.sleep(SETTLE_SECONDS)
            again = systemctl.show(unit, "ActiveState", "MainPID")
            if again == s:
                return int(s.get("MainPID") or 0)
        elif s.get("ActiveState") in ("failed", "inactive") or time.monotonic() > deadline:
            raise OperationError(
                f"{unit} is {s.get('ActiveState')} after the change; see journalctl -u {unit} -n 30"
            )
        time.sleep(0.2)
