"""Talk to systemd through systemctl; one place for the command lines."""

import subprocess

from djops.errors import OperationError


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(["systemctl", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise OperationError("systemctl not found: djops needs systemd") from None
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


def start(unit: str) -> bool:
    """Start and, for oneshot units, wait until done; True on success."""
    return run("start", unit, check=False).returncode == 0


def show(unit: str, *props: str) -> dict[str, str]:
    out = run("show", unit, *(f"--property={p}" for p in props), check=False).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def is_enabled(unit: str) -> bool:
    return run("is-enabled", "--quiet", unit, check=False).returncode == 0


def is_active(unit: str) -> bool:
    return run("is-active", "--quiet", unit, check=False).returncode == 0
