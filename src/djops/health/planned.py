"""Planned windows: what djops does to P.service itself (the reload unit's
apply step, a hand-over, `djops reload P`, the self-healing restart) is not
trouble, so health does not count `service` and `http` failing meanwhile.

The window is a small root-only note, /run/djops/planned-P.json (root's own
0700 runtime directory: no project user can open one to hide an outage),
with an expiry: a writer killed before it clears the window cannot hide
anything past it. A garbage or foreign note is no window.
"""

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from djops import paths, safefs

RELOAD_SECONDS = 300.0  # djops-reload@P's TimeoutStartSec=5min: the apply step cannot outlive it
RESTART_SECONDS = 120.0  # the self-healing restart is not awaited: stop and start, bounded
MAX_SECONDS = 3600.0  # no note, however written, excuses more than an hour


def path(p: str) -> Path:
    """To move to paths.planned_window(p) (this module may not edit paths.py yet)."""
    return paths.private_run_dir() / f"planned-{p}.json"


def mark(p: str, seconds: float, why: str, now: float | None = None) -> dict:
    """Open (or extend) P's window until now + seconds; the note written,
    which clear() compares so it removes no later writer's window."""
    now = time.time() if now is None else now
    note = {"since": now, "until": now + min(seconds, MAX_SECONDS), "why": why, "pid": os.getpid()}
    safefs.write_json(path(p), note, mode=0o600)
    return note


def clear(p: str, note: dict | None = None) -> None:
    """End P's window; with `note`, only if it is still the one written."""
    with contextlib.suppress(OSError, ValueError):
        if note is None or safefs.read_json(path(p)) == note:
            path(p).unlink()


@contextlib.contextmanager
def window(p: str, seconds: float, why: str) -> Iterator[None]:
    """A window around what djops does; never fails what it surrounds (a
    note that cannot be written only means health may see the restart)."""
    note = None
    with contextlib.suppress(OSError):
        note = mark(p, seconds, why)
    try:
        yield
    finally:
        if note is not None:
            clear(p, note)


def active(p: str, now: float | None = None) -> str:
    """What djops is doing to P now ("" when nothing): the one call health
    makes each round before counting service and http."""
    now = time.time() if now is None else now
    try:
        note = safefs.read_json(path(p), 4096)
        st = os.stat(path(p), follow_symlinks=False)
    except (OSError, ValueError):
        return ""
    if not isinstance(note, dict) or (os.geteuid() == 0 and not safefs.root_only_stat(st)):
        return ""
    since, until, why = note.get("since"), note.get("until"), note.get("why")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (since, until)):
        return ""
    if not since - 60 <= now < min(until, since + MAX_SECONDS):  # a clock set back: 60 s slack
        return ""
    return why if isinstance(why, str) and why.isprintable() and why else "planned"
