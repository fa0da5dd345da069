"""systemd's time expressions (OnCalendar= calendars and timestamps,
systemd.time(7)), read by systemd itself: the one place djops runs
`systemd-analyze calendar` and `systemd-analyze timestamp`."""

import functools
import shutil
import subprocess
from datetime import UTC, datetime

from djops import paths

TIMEOUT = 10.0
_ENV = {"TZ": "UTC", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class Unavailable(Exception):
    """systemd-analyze could not be run (missing, hung)."""


def _analyze(
    *args: str, verb: str = "calendar", env: dict[str, str] | None = _ENV
) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("systemd-analyze") or paths.systemd_analyze()
    try:
        return subprocess.run(
            [tool, verb, *args], capture_output=True, text=True, timeout=TIMEOUT, env=env
        )
    except (OSError, ValueError, subprocess.TimeoutExpired):
        raise Unavailable("systemd-analyze could not be run") from None


def timestamp(text: str) -> float | None:
    """A systemd timestamp ("2026-12-01 08:00", "tomorrow", "+2h", or what
    `systemctl show` printed) as epoch seconds, read in the server's own
    zone; None when it is not one or systemd-analyze cannot run. Not cached:
    "+2h" means something else a minute later."""
    try:
        out = _analyze("--", text, verb="timestamp", env=None).stdout
    except Unavailable:
        return None
    for line in out.splitlines():
        if line.strip().startswith("UNIX seconds:"):
            return float(line.split("@", 1)[1])
    return None


@functools.lru_cache(maxsize=64)
def valid(expression: str) -> bool:
    return _analyze("--", expression).returncode == 0


@functools.lru_cache(maxsize=64)
def period(expression: str, floor: float = 60.0) -> float | None:
    """Seconds between its next two elapses (at least `floor`), or None when
    systemd cannot say (an expression that elapses once, or no systemd-analyze)."""
    try:
        out = _analyze("--iterations=2", "--", expression).stdout
    except Unavailable:
        return None
    try:
        stamps = [
            datetime.strptime(ln.split(":", 1)[1].strip(), "%a %Y-%m-%d %H:%M:%S %Z")
            for ln in out.splitlines()
            if ln.strip().startswith(("Next elapse:", "Iteration #2:", "Iter. #2:"))
        ]
        return max((stamps[1] - stamps[0]).total_seconds(), floor)
    except (ValueError, IndexError):
        return None


@functools.lru_cache(maxsize=256)
def next_after(expression: str, epoch: float) -> float | None:
    """The first elapse after `epoch` (seconds), as systemd computes it, or None."""
    try:
        out = _analyze(f"--base-time=@{int(epoch)}", "--iterations=1", "--", expression).stdout
    except Unavailable:
        return None
    for ln in out.splitlines():
        if ln.strip().startswith("Next elapse:"):
            try:
                when = datetime.strptime(ln.split(":", 1)[1].strip(), "%a %Y-%m-%d %H:%M:%S %Z")
            except ValueError:
                return None
            return when.replace(tzinfo=UTC).timestamp()
    return None
