"""The trusted results of one job's runs, newest first, in one journal
query: what the alert policy counts failures in a row from, and what
`djops history` shows. Trust is journal.sources': a result counts only
from the unit it is about (a job's: from root's post step there), and the
query asks journald for nothing else."""

from typing import Any

from djops.events import CLEARSESSIONS_RESULT, JOB_RESULT
from djops.systemd import journal, units

FAILED = ("job.failed", "job.interrupted", "clearsessions.failed", "clearsessions.interrupted")


def events_of(job: str) -> tuple[str, ...]:
    return CLEARSESSIONS_RESULT if job == units.CLEARSESSIONS else JOB_RESULT


def newest(project: str, job: str, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` results of `job` (its DJOPS_JOB), newest first."""
    from systemd import journal as sd

    reader = sd.Reader()
    try:
        if not journal.match_trusted(reader, project, [(ev, job) for ev in events_of(job)]):
            return []
        reader.seek_tail()
        out: list[dict[str, Any]] = []
        for _ in range(journal.SCAN_LIMIT):
            if len(out) >= limit or not (entry := reader.get_previous()):
                break
            if journal.trusted(entry, project):
                out.append(journal.clean(entry))
        return out
    finally:
        reader.close()


def failed(entry: dict[str, Any]) -> bool:
    return entry.get("DJOPS_EVENT") in FAILED


def streak(entries: list[dict[str, Any]], invocation: str = "") -> int:
    """Failed runs in a row before the run `invocation` (the one being
    judged): those older than its result, or all when journald does not
    have that result yet; up to the newest success."""
    ids = [e.get("_SYSTEMD_INVOCATION_ID") for e in entries]
    older = entries[ids.index(invocation) + 1 :] if invocation and invocation in ids else entries
    count = 0
    for e in older:
        if not failed(e):
            break
        count += 1
    return count


def job_of_unit(unit: str) -> str | None:
    """The job a unit runs: NAME of djops-job@P:NAME, or clearsessions."""
    if unit.startswith(f"djops-{units.CLEARSESSIONS}@"):
        return units.CLEARSESSIONS
    return units.job_name_of(unit)
