"""Restart or gracefully reload the project's gunicorn unit and make sure it
came back, for reload (settings applied) and health (self-healing)."""

import time

from djops.errors import OperationError
from djops.systemd import systemctl

SETTLE_SECONDS = 1.0


def apply(unit: str, mode: str = "restart", timeout: float = 60.0) -> int:
    """`systemctl restart|reload unit`, then wait until it is active; its MainPID."""
    state = systemctl.show(unit, "LoadState", "ExecReload")
    if state.get("LoadState") != "loaded":
        raise OperationError(f"{unit} does not exist; set [project] service in the djops config")
    if mode == "reload" and not state.get("ExecReload"):
        raise OperationError(
            f'{unit} has no ExecReload=, so [watch] restart = "reload" cannot work: add '
            '`ExecReload=/bin/kill -s HUP $MAINPID` to it, or use restart = "restart"'
        )
    proc = systemctl.run(mode, unit, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise OperationError(f"systemctl {mode} {unit}: {detail[-1] if detail else 'failed'}")
    return wait_active(unit, timeout)


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
