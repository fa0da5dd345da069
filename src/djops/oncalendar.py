"""systemd's time expressions (OnCalendar= calendars and timestamps,
systemd.time(7)), read by systemd itself: the one place djops runs
`systemd-analyze calendar` and `systemd-analyze timestamp`."""

import functools
import subprocess
from collections.abc import Iterable

from djops import paths

TIMEOUT = 10.0
_ENV = {"TZ": "UTC", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class Unavailable(Exception):
    """systemd-analyze could not be run (missing, hung)."""


def _analyze(
    *args: str, verb: str = "calendar", env: dict[str, str] | None = _ENV
) -> subprocess.CompletedProcess[str]:
    import shutil  # here: its import pulls bz2 and lzma, ~12 ms of every job run's start

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
    if expression in _surveyed:
        return True
    return _analyze("--", expression).returncode == 0


# periods of the expressions survey() read (None: fewer than two elapses),
# so what enable asks of them next (period(), valid()) needs no fork
_surveyed: dict[str, float | None] = {}


def survey(expressions: Iterable[str]) -> dict[str, float | None]:
    """Every valid one of `expressions` and its period (seconds between its
    next two elapses; None when it elapses fewer than twice), read by ONE
    `systemd-analyze calendar` run: `djops enable` checks a project's
    schedules this way, however many jobs it has. An invalid expression is
    left out. Raises Unavailable when systemd-analyze cannot run."""
    asked = list(dict.fromkeys(expressions))
    wanted = [e for e in asked if e not in _surveyed]
    if not wanted:
        return {e: _surveyed[e] for e in asked}
    out = _analyze("--iterations=2", "--", *wanted).stdout
    blocks = _blocks(out)
    if len(blocks) == len(wanted):  # one block per expression, in order; empty: invalid
        result = {e: _gap(_elapses(b)) for e, b in zip(wanted, blocks, strict=True) if b}
    else:  # an output djops cannot pair with what it asked: each alone
        result = {e: period(e, floor=0) for e in wanted if valid(e)}
    _surveyed.update(result)
    return {e: _surveyed[e] for e in asked if e in _surveyed}


def _blocks(out: str) -> list[list[str]]:
    """systemd-analyze's answer per expression: blocks between blank lines,
    an invalid expression's empty. Not keyed by "Original form": systemd 257
    prints that line only when the normalized form differs."""
    blocks: list[list[str]] = [[]]
    for line in out.splitlines():
        if line.strip():
            blocks[-1].append(line.strip())
        else:
            blocks.append([])
    return blocks if out.strip() else []


def _elapses(block: list[str]) -> list[str]:
    heads = ("Next elapse", "Iteration #2", "Iter. #2")
    return [rest.strip() for head, _, rest in (ln.partition(":") for ln in block) if head in heads]


def _gap(stamps: list[str]) -> float | None:
    from datetime import datetime  # here: every job run's start imports this module

    try:
        a, b = (datetime.strptime(s, "%a %Y-%m-%d %H:%M:%S %Z") for s in stamps[:2])
    except ValueError:  # "never", or one elapse only
        return None
    return (b - a).total_seconds()


@functools.lru_cache(maxsize=64)
def period(expression: str, floor: float = 60.0) -> float | None:
    """Seconds between its next two elapses (at least `floor`), or None when
    systemd cannot say (an expression that elapses once, or no systemd-analyze)."""
    if expression in _surveyed:
        gap = _surveyed[expression]
        return None if gap is None else max(gap, floor)
    try:
        out = _analyze("--iterations=2", "--", expression).stdout
    except Unavailable:
        return None
    from datetime import datetime

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
    from datetime import UTC, datetime

    for ln in out.splitlines():
        if ln.strip().startswith("Next elapse:"):
            try:
                when = datetime.strptime(ln.split(":", 1)[1].strip(), "%a %Y-%m-%d %H:%M:%S %Z")
            except ValueError:
                return None
            return when.replace(tzinfo=UTC).timestamp()
    return None
