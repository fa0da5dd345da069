"""The clearsessions and jobs checks: a successful run within twice the
schedule's period, here or (once per fleet) on the host a skip names, and
no holder keeping the claim past its timeout."""

import time

from djops.config import Config
from djops.events import JOB_SKIPPED
from djops.health.check import Result
from djops.jobs.policy import lapses, pause_store
from djops.systemd import journal, lastruns, systemctl, units
from djops.text import plural, printable, span

# unit -> (the time of its last success, a holder holding too long), per run
_last_done = lastruns.SinceExit()


def _on_time(
    cfg: Config,
    service: str,
    timer: str,
    schedule: str,
    event: str,
    job: str,
    timeout: float | None = None,
) -> Result:
    """A success within twice the schedule's period: here (`event`), or on
    the host a skip (job.skipped) names, by when the database says a host
    last finished with exit 0 (a skip alone proves nothing: anyone can hold
    the claim's lock, the project user can write its table). Fails, too,
    while the newest skip saw the holder's claim run longer than `timeout`.
    The journal is read only when the service ran again since; between
    runs only the age moves."""
    period = lapses.period(schedule)

    def read() -> tuple[float | None, str]:
        # one clearsessions per project: its events, old ones without DJOPS_JOB too
        own = journal.last_event(cfg.name, (event,), job=job if event == "job.done" else None)
        other = journal.last_event(cfg.name, (JOB_SKIPPED,), job=job)
        own_at = own["__REALTIME_TIMESTAMP"].timestamp() if own else _systemd_says(service)
        stamps = [x for x in (own_at, _succeeded_at(other)) if x is not None]
        return (max(stamps) if stamps else None), _holding_too_long(other, own_at, timeout)

    succeeded, stuck = _last_done.get(service, read)
    if stuck:
        return False, stuck
    if period is None:  # systemd cannot say how often: report, do not judge
        every, limit = "schedule period unknown, not judged", float("inf")
    else:
        every, limit = f"schedule every {span(period)}", 2 * period
    if succeeded is not None:
        age = time.time() - succeeded
        return age <= limit, f"last run {span(age)} ago ({every})"
    since = systemctl.show(timer, "ActiveEnterTimestampMonotonic").get(
        "ActiveEnterTimestampMonotonic", "0"
    )
    up = time.monotonic() - int(since) / 1e6 if since.isdigit() and since != "0" else 0
    return up <= limit, f"no successful run yet ({timer} active {span(up)}; {every})"


def _systemd_says(service: str) -> float | None:
    """When PID 1's record of the service says its last run exited 0: the
    success of a run no trusted entry tells of (an upgrade from a djops
    whose result entries were the unit's, not root's, must not alert)."""
    s = systemctl.show(service, "Result", "ExecMainStatus", "ExecMainExitTimestampMonotonic")
    exited = s.get("ExecMainExitTimestampMonotonic", "0")
    if s.get("Result") != "success" or s.get("ExecMainStatus") != "0" or not exited.isdigit():
        return None
    return time.time() - (time.monotonic() - int(exited) / 1e6) if int(exited) else None


def _number(entry: dict, field: str) -> float | None:
    try:
        value = float(entry[field])
    except (KeyError, TypeError, ValueError):
        return None
    return value if 0 <= value < float("inf") else None


def _succeeded_at(skip: dict | None) -> float | None:
    """When, by a skip, a host last finished the job with exit 0."""
    if not skip or (ago := _number(skip, "DJOPS_SUCCEEDED_AGO")) is None:
        return None
    return skip["__REALTIME_TIMESTAMP"].timestamp() - ago


def _holding_too_long(skip: dict | None, own_at: float | None, timeout: float | None) -> str:
    """The newest skip (no success here since) saw a claim older than `timeout`."""
    if not skip or timeout is None or (held := _number(skip, "DJOPS_HELD_FOR")) is None:
        return ""
    if own_at is not None and own_at >= skip["__REALTIME_TIMESTAMP"].timestamp():
        return ""
    if held <= timeout:
        return ""
    holder = printable(str(skip.get("DJOPS_HOLDER", "?")), newlines=False)[:100]
    return (
        f"{holder} held the claim for {span(held)}, longer than its timeout of {span(timeout)}"
        " (a run that hangs, or a session holding its lock)"
    )


def clearsessions(cfg: Config) -> Result:
    p, kind = cfg.name, units.CLEARSESSIONS
    if policy := lapses.problems(cfg, [kind]):  # slow, missed, failing: djops.jobs.policy.lapses
        return False, "; ".join(policy)
    if pause_store.active(p, kind):
        return True, pause_store.shown(pause_store.active(p, kind))
    return _on_time(
        cfg,
        units.service(kind, p),
        units.timer(kind, p),
        cfg.clearsessions.schedule,
        "clearsessions.done",
        units.CLEARSESSIONS,
    )


def jobs(cfg: Config) -> Result:
    """Every scheduled job succeeded within twice its period (as clearsessions)."""
    late, fine = lapses.problems(cfg, list(cfg.jobs)), 0  # slow, missed, failing
    for name, job in cfg.jobs.items():
        if job.schedule == "@reboot" or pause_store.active(cfg.name, name):
            continue
        ok, detail = _on_time(
            cfg,
            units.job_service(cfg.name, name),
            units.job_timer(cfg.name, name),
            job.schedule,
            "job.done",
            job=name,
            timeout=job.timeout_seconds,
        )
        if ok:
            fine += 1
        else:
            late.append(f"{name}: {detail}")
    if late:
        return False, "; ".join(late)
    return (
        True,
        f"{plural(fine, 'job')} on time: each succeeded within twice its period, or is not due yet",
    )
