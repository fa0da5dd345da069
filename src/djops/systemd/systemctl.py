"""Talk to systemd through systemctl; one place for the command lines.

Every call is bounded in time: a hung systemd (or D-Bus) must not hang a
daemon's loop or a unit forever. Waiting starts say how long they may take.
"""

import subprocess

from djops.errors import OperationError

TIMEOUT = 90.0


def run(
    *args: str, check: bool = True, timeout: float | None = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(["systemctl", *args], capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise OperationError("systemctl not found: djops needs systemd") from None
    except subprocess.TimeoutExpired:
        raise OperationError(
            f"systemctl {' '.join(args)} did not answer within {timeout:.0f}s"
        ) from None
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise OperationError(
            f"systemctl {' '.join(args)} failed: {detail[-1] if detail else proc.returncode}"
        )
    return proc


def daemon_reload() -> None:
    run("daemon-reload")


def enable_now(*units: str) -> None:
    run("enable", "--now", *units)


def disable_now(*units: str) -> None:
    run("disable", "--now", *units, check=False)


def start(unit: str, timeout: float | None = None) -> bool:
    """Start and, for oneshot units, wait until done (the unit's own
    TimeoutStartSec= bounds it; `timeout` too, if given); True on success."""
    try:
        return run("start", unit, check=False, timeout=timeout).returncode == 0
    except OperationError:
        return False


def show(unit: str, *props: str) -> dict[str, str]:
    try:
        out = run("show", unit, *(f"--property={p}" for p in props), check=False).stdout
    except OperationError:
        return {}
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def is_active(unit: str) -> bool:
    try:
        return run("is-active", "--quiet", unit, check=False).returncode == 0
    except OperationError:
        return False
