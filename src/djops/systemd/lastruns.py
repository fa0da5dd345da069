"""The one reader of "the last run": a run's last result as a line for the
heartbeat and `djops status`, and what was read of a unit's runs kept until
the unit runs again (health's and metrics' reads of the journal)."""

import functools
import socket
import time
from collections.abc import Callable
from typing import Any

from djops.events import JOB_RESULT, JOB_SKIPPED
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
    return _run_line(e)


def last_runs(p: str, jobs: list[str]) -> dict[str, str]:
    """last_run() of each of P's [jobs.NAME], through ONE journal reader
    (`djops status P` with a thousand jobs: one open of the journal files,
    not two thousand). The first trusted entry of a job's results and skips,
    read backwards, is the newer of last_run()'s two."""
    from systemd import journal as sd

    reader, out = sd.Reader(), {}
    try:
        for job in jobs:
            reader.flush_matches()
            # from their trusted sources only, in the query itself: a flood of
            # look-alikes from another user never reaches the scan's budget
            if not journal.match_trusted(
                reader, p, [(ev, job) for ev in (*JOB_RESULT, JOB_SKIPPED)]
            ):
                out[job] = _run_line(None)
                continue
            reader.seek_tail()
            found = None
            for _ in range(journal.SCAN_LIMIT):
                if not (e := reader.get_previous()):
                    break
                if journal.trusted(e, p):
                    found = journal.clean(e)
                    break
            out[job] = _run_line(found)
    finally:
        reader.close()
    return out


def _run_line(e: dict[str, Any] | None) -> str:
    if not e:
        return NEVER
    if e["DJOPS_EVENT"] == JOB_SKIPPED:
        holder = printable(str(e.get("DJOPS_HOLDER", "?")), newlines=False)
        return f"{_when(e)} on {holder}: {e.get('MESSAGE', '')}"
    kind = e["DJOPS_EVENT"].split(".", 1)[1]
    return f"{_when(e)} {kind} here ({_here()}): {e.get('MESSAGE', '')}"


@functools.cache
def _here() -> str:
    """This host's name, asked of the resolver once per process (a line per job)."""
    return one_line(socket.getfqdn() or socket.gethostname(), 100)


def problems(projects: list[str], max_priority: int, seconds: float) -> dict[str, int]:
    """How many trusted entries at `max_priority` or worse each project
    logged in the last `seconds` (journal.recent()'s count, up to its
    SCAN_LIMIT each, without its jobs' skips: notices, never a problem), in
    ONE pass over the journal for all of them: the line per project of
    `djops status`. Each project's trusted sources are in the query itself,
    so a flood of look-alikes from another user never reaches the budget
    and hides the real entries after it."""
    from systemd import journal as sd

    counts = dict.fromkeys(projects, 0)
    if not projects:
        return counts
    reader = sd.Reader()
    try:
        for p in projects:  # each project's groups, ORed: any of them
            journal.match_project(reader, p)
        reader.add_conjunction()
        reader.log_level(max_priority)
        reader.seek_realtime(time.time() - seconds)
        for seen, entry in enumerate(reader):
            if seen >= journal.SCAN_LIMIT * len(projects):
                break
            p = entry.get("DJOPS_PROJECT")
            # journald matched the sources already: trusted() is defence in depth
            if p in counts and counts[p] < journal.SCAN_LIMIT and journal.trusted(entry, p):
                counts[p] += 1
    finally:
        reader.close()
    return counts


def _when(e: dict[str, Any]) -> str:
    return e["__REALTIME_TIMESTAMP"].astimezone().strftime("%Y-%m-%d %H:%M")


class SinceExit:
    """What was read of a unit's runs, read again only once the unit ran
    again (its ExecMainExitTimestampMonotonic moved); between runs the
    journal is not scanned. A read within SETTLE seconds of the exit is not
    returned again: a run's result comes from root's step after its main process, so
    after the exit PID 1 records, and journald may store it later still; a
    read that missed it would stand until the next run."""

    SETTLE = 30.0

    def __init__(self) -> None:
        # unit -> (its exit stamp, what was read, whether it settled: returned again)
        self._seen: dict[str, tuple[str, Any, bool]] = {}

    def get(self, unit: str, read: Callable[[], Any]) -> Any:
        stamp = systemctl.show(unit, "ExecMainExitTimestampMonotonic").get(
            "ExecMainExitTimestampMonotonic", ""
        )
        cached = self._seen.get(unit)
        if cached is not None and cached[0] == stamp and cached[2]:
            return cached[1]
        value = read()
        # every read replaces the last: an older one never comes back, not
        # even under a stamp that says nothing ("0" for a unit loaded afresh,
        # "" when systemd did not answer)
        self._seen[unit] = (stamp, value, _settled(stamp, self.SETTLE))
        return value

    def clear(self) -> None:
        self._seen.clear()


def _settled(stamp: str, settle: float) -> bool:
    """PID 1's monotonic stamps are the kernel's CLOCK_MONOTONIC, as
    time.monotonic() is (a container shares its host's)."""
    try:
        return time.monotonic() - int(stamp) / 1e6 > settle
    except ValueError:
        return True
