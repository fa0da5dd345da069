"""Which jobs `djops pause` paused, and until when: one small file per job
in root's state dir (/var/lib/djops/paused/P/NAME), so a pause survives a
reboot and `djops enable`. Read by the job unit's root ExecCondition=, the
health round, status, heartbeat and metrics; an expired pause counts as
none (the next run removes it and logs job.resumed)."""

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from djops import paths, safefs


def path(p: str, job: str) -> Path:
    return paths.state_dir() / "paused" / p / job


def read(p: str, job: str) -> dict[str, Any] | None:
    """{"since": epoch, "until": epoch or None}, or None when not paused."""
    if job not in _paused_in(p):
        return None
    try:
        data = json.loads(path(p, job).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


_listed: dict[str, tuple[tuple[int, int], frozenset[str]]] = {}


def _paused_in(p: str) -> frozenset[str]:
    """The names of P's pause files, listed again only when the directory
    changed (a pause is written by rename into it, a resume unlinks): the
    health round asks for every job several times a round, and a failed
    open per job was two fifths of a round's CPU at 100 projects."""
    d = path(p, "")
    try:
        st = os.stat(d)
    except OSError:
        return frozenset()
    stamp = (st.st_mtime_ns, st.st_ino)
    kept = _listed.get(str(d))
    if kept and kept[0] == stamp:
        return kept[1]
    try:
        names = frozenset(os.listdir(d))
    except OSError:
        return frozenset()
    if time.time() - st.st_mtime > 2:  # a change in the same clock tick would not show
        _listed[str(d)] = (stamp, names)
    return names


def active(p: str, job: str, now: float | None = None) -> dict[str, Any] | None:
    """The pause if it still holds."""
    data = read(p, job)
    until = data.get("until") if data else None
    if data is None or (isinstance(until, (int, float)) and until <= (now or time.time())):
        return None
    return data


def write(p: str, job: str, until: float | None) -> None:
    target = path(p, job)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    body = json.dumps({"since": time.time(), "until": until}).encode()
    safefs.write_atomic(target, body, mode=0o644)


def remove(p: str, job: str) -> bool:
    with contextlib.suppress(FileNotFoundError):
        path(p, job).unlink()
        return True
    return False


def shown(data: dict[str, Any] | None) -> str:
    """ "paused (until ...)" for status, heartbeat; "" when not paused."""
    if not data:
        return ""
    until = data.get("until")
    if not isinstance(until, (int, float)):
        return "paused (until djops resume)"
    return f"paused (until {time.strftime('%Y-%m-%d %H:%M:%S %Z', time.localtime(until))})"
