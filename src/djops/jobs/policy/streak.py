"""Failures in a row, as alert_after counts them: which results are a
failed run, and how many came in a row before the run being judged.
Read from systemd's record of the runs (djops.systemd.results), kept
apart from it: how many failures make an alert is policy, not systemd's."""

from typing import Any

FAILED = ("job.failed", "job.interrupted", "clearsessions.failed", "clearsessions.interrupted")


def failed(entry: dict[str, Any]) -> bool:
    return entry.get("DJOPS_EVENT") in FAILED


def streak(entries: list[dict[str, Any]], invocation: str = "") -> int:
    """Failed runs in a row before the run `invocation` (the one being
    judged): those older than its result, or all when journald does not
    have that result yet; up to the newest success. `entries` newest first."""
    ids = [e.get("_SYSTEMD_INVOCATION_ID") for e in entries]
    older = entries[ids.index(invocation) + 1 :] if invocation and invocation in ids else entries
    count = 0
    for e in older:
        if not failed(e):
            break
        count += 1
    return count
