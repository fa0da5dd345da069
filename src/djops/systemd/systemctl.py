"""Talk to systemd through systemctl; one place for the command lines.

Every call is bounded in time: a hung systemd (or D-Bus) must not hang a
daemon's loop or a unit forever. Waiting starts say how long they may take.
"""

import contextlib
import functools
import os
import subprocess
import threading
from collections.abc import Iterator

from djops.errors import OperationError

TIMEOUT = 90.0


def run(
    *args: str, check: bool = True, timeout: float | None = TIMEOUT, utc: bool = False
) -> subprocess.CompletedProcess[str]:
    """`utc`: timestamps in UTC, which `utc_epoch` reads without systemd-analyze."""
    env = {**os.environ, "TZ": "UTC"} if utc else None
    try:
        proc = subprocess.run(
            ["systemctl", *args], capture_output=True, text=True, timeout=timeout, env=env
        )
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


def enable_links(*units: str) -> None:
    """`enable` without its implicit daemon-reload: the caller made one
    already, after writing every unit and drop-in (PID 1 still answers
    UnitFileState=enabled at once, on systemd 252 and 257 alike)."""
    run("enable", "--no-reload", *units)


def disable_now(*units: str, reload: bool = True) -> None:
    """`reload=False`: the caller reloads once when all is done (each
    implicit reload costs PID 1 a second or more on a host of 3,000 units)."""
    run("disable", "--now", *([] if reload else ["--no-reload"]), *units, check=False)


def loaded(pattern: str, states: str) -> list[str]:
    """The units PID 1 holds that match `pattern` and are in one of `states`
    (systemctl's comma list), in one call. Never hand systemctl the pattern
    to act on: it expands it to every unit held, whatever its state, and
    after a stop asks PID 1 to load each one again (to warn of changed
    files); 2,000 job units of one project so took over 290 s (bench-scale)."""
    proc = run(
        "list-units", "--all", "--plain", "--no-legend", f"--state={states}", "--", pattern,
        check=False,
    )  # fmt: skip
    return [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]


def start(unit: str, timeout: float | None = None) -> bool:
    """Start and, for oneshot units, wait until done (the unit's own
    TimeoutStartSec= bounds it; `timeout` too, if given); True on success."""
    try:
        return run("start", unit, check=False, timeout=timeout).returncode == 0
    except OperationError:
        return False


def show(unit: str, *props: str) -> dict[str, str]:
    """Properties of `unit` (timestamps in UTC, for utc_epoch); inside
    `using(snapshot)` from the snapshot when it holds them all (a health
    round reads every unit in one call). A unit the snapshot asked of
    systemd in vain answers {} there too: a round never asks again per unit
    (a PID 1 too busy for one read made a fork per job, 2,000 a round)."""
    held = getattr(_local, "snapshot", None)
    if held is not None and unit in held:
        if not held[unit]:
            return {}
        if all(p in held[unit] for p in props):
            return {p: held[unit][p] for p in props}
    try:
        out = run("show", unit, *(f"--property={p}" for p in props), check=False, utc=True).stdout
    except OperationError:
        return {}
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def is_active(unit: str) -> bool:
    try:
        return run("is-active", "--quiet", unit, check=False).returncode == 0
    except OperationError:
        return False


_local = threading.local()


def held(unit: str, prop: str) -> str | None:
    """`prop` of `unit` from this thread's snapshot; None outside a round."""
    snap = getattr(_local, "snapshot", None)
    return snap.get(unit, {}).get(prop) if snap is not None else None


@contextlib.contextmanager
def using(snapshot: dict[str, dict]) -> Iterator[None]:
    """`show` answers from `snapshot` in this thread while inside."""
    before = getattr(_local, "snapshot", None)
    _local.snapshot = snapshot
    try:
        yield
    finally:
        _local.snapshot = before


@functools.lru_cache(maxsize=4096)
def utc_epoch(value: str) -> float | None:
    """`Thu 2026-12-03 19:00:00 UTC` (what `bulk.show(..., utc=True)` reads) -> epoch seconds;
    None for "", "n/a" or any other zone. Kept: a round parses the same
    timer values every minute (strptime was a tenth of its CPU)."""
    import calendar
    import time

    try:
        return float(calendar.timegm(time.strptime(value.strip(), "%a %Y-%m-%d %H:%M:%S UTC")))
    except ValueError:
        return None
