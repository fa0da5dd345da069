"""The one reader of "the last run": a run's last result as a line for the
heartbeat and `djops status`, and what was read of a unit's runs kept until
the unit runs again (health's and metrics' reads of the journal)."""

import socket
from collections.abc import Callable
from typing import Any

from djops.events import JOB_SKIPPED
from djops.systemd import journal, systemctl
from djops.text import one_line, printable

NEVER = "never (nothing in the journal)"


def last_event(p: str, events: tuple[str, ...], job: str | None = None) -> str:
    """`2026-11-22 04:36 done: <message>` of the newest of `events`, for the
    heartbeat and `djops status`."""
    e = journal.last_event(p, events, job=job)
    if not e:
        return NEVER
    return f"{_when(e)} {e['DJOPS_EVENT'].split('.', 1)[1]}: {e.get('MESSAGE', '')}"


def last_run(p: str, results: tuple[str, ...], job: str, by_job: bool = True) -> str:
    """The newest run of a job (or clearsessions, `by_job` False: its events
    are the project's) and where it ran: here, or on the host that claimed
    it (once per fleet), for the heartbeat and `djops status`."""
    own = journal.last_event(p, results, job=job if by_job else None)
    other = journal.last_event(p, (JOB_SKIPPED,), job=job)
    e = max((x for x in (own, other) if x), key=lambda x: x["__REALTIME_TIMESTAMP"], default=None)
    if not e:
        return NEVER
    if e["DJOPS_EVENT"] == JOB_SKIPPED:
        holder = printable(str(e.get("DJOPS_HOLDER", "?")), newlines=False)
        return f"{_when(e)} on {holder}: {e.get('MESSAGE', '')}"
    kind = e["DJOPS_EVENT"].split(".", 1)[1]
    here = one_line(socket.getfqdn() or socket.gethostname(), 100)
    return f"{_when(e)} {kind} here ({here}): {e.get('MESSAGE', '')}"


def _when(e: dict[str, Any]) -> str:
    return e["__REALTIME_TIMESTAMP"].astimezone().strftime("%Y-%m-%d %H:%M")


class SinceExit:
    """What was read of a unit's runs, read again only once the unit ran
    again (its ExecMainExitTimestampMonotonic moved); between runs the
    journal is not scanned."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, Any]] = {}

    def get(self, unit: str, read: Callable[[], Any]) -> Any:
        stamp = systemctl.show(unit, "ExecMainExitTimestampMonotonic").get(
            "ExecMainExitTimestampMonotonic", ""
        )
        cached = self._seen.get(unit)
        if cached is None or cached[0] != stamp:
            cached = self._seen[unit] = (stamp, read())
        return cached[1]

    def clear(self) -> None:
        self._seen.clear()
