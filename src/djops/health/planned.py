"""Planned windows: what djops does to P.service itself (the reload unit's
apply step, a hand-over, `djops reload P`, the self-healing restart) is not
trouble, so health does not count `service` and `http` failing meanwhile.

The window is a small root-only note, paths.planned_window(P) (in root's own
0700 runtime directory: no project user can open one to hide an outage),
with an expiry: a writer killed before it closes the window cannot hide
anything past it. Closing keeps the note with its end, so a round whose
probes overlapped the window still sees it. A garbage or foreign note is no
window.
"""

import contextlib
import os
import time
from collections.abc import Iterator

from djops import paths, safefs

RELOAD_SECONDS = 300.0  # djops-reload@P's TimeoutStartSec=5min: the apply step cannot outlive it
RESTART_SECONDS = 120.0  # the self-healing restart is not awaited: stop and start, bounded
MAX_SECONDS = 3600.0  # no note, however written, excuses more than an hour


def mark(p: str, seconds: float, why: str, now: float | None = None) -> dict:
    """Open (or extend) P's window until now + seconds; the note written,
    which clear() compares so it closes no later writer's window."""
    now = time.time() if now is None else now
    note = {"since": now, "until": now + min(seconds, MAX_SECONDS), "why": why, "pid": os.getpid()}
    safefs.write_json(paths.planned_window(p), note, mode=0o600)
    return note


def clear(p: str, note: dict | None = None, now: float | None = None) -> None:
    """End P's window now; with `note`, only if it is still the one written.
    The note stays, closed, so a round whose probes began inside the window
    still sees it (active's `since`)."""
    now = time.time() if now is None else now
    with contextlib.suppress(OSError, ValueError):
        current = safefs.read_json(paths.planned_window(p), 4096)
        if isinstance(current, dict) and (note is None or current == note):
            safefs.write_json(paths.planned_window(p), {**current, "until": now}, mode=0o600)


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


def active(p: str, now: float | None = None, since: float | None = None) -> str:
    """What djops is doing (or did) to P ("" when nothing): the one call health
    makes each round, after probing, with `since` the round's start, so a
    window that closed while the probes ran still excuses what they saw."""
    now = time.time() if now is None else now
    since = now if since is None else min(since, now)
    try:
        note = safefs.read_json(paths.planned_window(p), 4096)
        st = os.stat(paths.planned_window(p), follow_symlinks=False)
    except (OSError, ValueError):
        return ""
    if not isinstance(note, dict) or (os.geteuid() == 0 and not safefs.root_only_stat(st)):
        return ""
    start, until, why = note.get("since"), note.get("until"), note.get("why")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (start, until)):
        return ""
    if now < start - 60 or min(until, start + MAX_SECONDS) <= since:  # clock set back: 60 s slack
        return ""
    return why if isinstance(why, str) and why.isprintable() and why else "planned"
