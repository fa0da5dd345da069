"""The trusted results of one job's runs, newest first, in one journal
query: what the alert policy counts failures in a row from
(djops.jobs.policy.streak), and what `djops history` shows. Trust is
journal.sources': a result counts only from the unit it is about (a job's:
from root's post step there), and the query asks journald for nothing else."""

from typing import Any

from djops.events import CLEARSESSIONS_RESULT, JOB_RESULT
from djops.systemd import journal, units


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
