"""What djops_P.prom says, gathered once per health round: each health
check's state (from the round), and per job (clearsessions is the job
`clearsessions`) and for the reloads what the journal last recorded. The
journal is read again only when the unit ran since the last round."""

import time
from typing import Any

from djops.config import Config
from djops.events import CLEARSESSIONS_RESULT, JOB_RESULT, JOB_SKIPPED, RELOAD_RESULT
from djops.jobs.policy import pause_store
from djops.metrics.textfile import Family
from djops.systemd import journal, lastruns, units

# a _total counts from here: it resets when djops-health restarts, as a
# process's counters do (the sandbox cannot read this boot's ID)
STARTED = time.time()
# unit -> (its last exit stamp, what the journal said then)
_seen = lastruns.SinceExit()  # unit -> what its runs logged, read again once it ran again


def families(
    cfg: Config, checks: dict[str, dict], now: float, policy: dict[str, dict] | None = None
) -> list[Family]:
    """`policy`: per job, what the round's job policy look found
    ({"slow": 0/1, "missed": 0/1}, from djops.jobs.policy.lapses)."""
    last_round = Family("djops_health_last_round_timestamp_seconds", "when the last round ran")
    last_round.add(now, project=cfg.name)
    return [*_checks(cfg.name, checks), last_round, *_jobs(cfg, policy or {}), *_reloads_of(cfg)]


def _checks(p: str, checks: dict[str, dict]) -> list[Family]:
    """Each health check's state, as the round left it."""
    up = Family("djops_health_check_up", "1 if the health check passed in the last round")
    fails = Family(
        "djops_health_check_consecutive_failures", "failures in a row of the health check"
    )
    for name, r in checks.items():
        up.add(1.0 if r["ok"] else 0.0, project=p, check=name)
        fails.add(float(r["ladder"]["failures"]), project=p, check=name)
    return [up, fails]


def _jobs(cfg: Config, policy: dict[str, dict]) -> list[Family]:
    """Per job: its last runs (from the journal), its pause, its lapses."""
    p = cfg.name
    success = Family("djops_job_last_success_timestamp_seconds", "end of the last successful run")
    duration = Family("djops_job_last_duration_seconds", "how long the last run took")
    code = Family("djops_job_last_exit_code", "exit status of the last run (0: success)")
    rows = Family("djops_job_last_rows_removed", "expired sessions the last successful run removed")
    skipped = Family(
        "djops_job_runs_skipped_total",
        "occurrences left to another host since djops-health started (once per fleet)",
        "counter",
    )
    held = Family("djops_job_paused", "1 while `djops pause` holds the job's runs")
    slow = Family("djops_job_slow", "1 while a run goes on past max_runtime_seconds")
    missed = Family("djops_job_missed", "1 while an occurrence has not started within its grace")
    jobs = {units.CLEARSESSIONS: units.service(units.CLEARSESSIONS, p)}
    jobs |= {name: units.job_service(p, name) for name in cfg.jobs}
    for job, unit in jobs.items():
        seen = _journal(cfg, job, unit)
        if seen.get("done"):
            success.add(seen["done"]["at"], project=p, job=job)
            if job == units.CLEARSESSIONS:
                rows.add(float(seen["done"]["rows"]), project=p, job=job)
        if seen.get("last"):
            duration.add(seen["last"]["duration"], project=p, job=job)
            code.add(seen["last"]["exit"], project=p, job=job)
        skipped.add(float(seen.get("skipped", 0)), project=p, job=job)
        held.add(1.0 if pause_store.active(p, job) else 0.0, project=p, job=job)
        if (look := policy.get(job)) is not None:
            slow.add(look["slow"], project=p, job=job)
            missed.add(look["missed"], project=p, job=job)
    return [success, duration, code, rows, skipped, held, slow, missed]


def _reloads_of(cfg: Config) -> list[Family]:
    """When the last reload was applied, and when one was last rejected."""
    reloads = _journal(cfg, "", units.service(units.RELOAD, cfg.name))
    applied = Family("djops_reload_last_applied_timestamp_seconds", "the last applied reload")
    rejected = Family("djops_reload_last_rejected_timestamp_seconds", "the last rejected reload")
    for fam, key in ((applied, "applied"), (rejected, "rejected")):
        if reloads.get(key):
            fam.add(reloads[key], project=cfg.name)
    return [applied, rejected]


def _journal(cfg: Config, job: str, unit: str) -> dict[str, Any]:
    return _seen.get(unit, lambda: _reloads(cfg.name) if not job else _job(cfg.name, job))


def _at(entry: dict) -> float:
    return entry["__REALTIME_TIMESTAMP"].timestamp()


def _job(p: str, job: str) -> dict[str, Any]:
    if job == units.CLEARSESSIONS:
        done = journal.last_event(p, ("clearsessions.done",))
        last = journal.last_event(p, CLEARSESSIONS_RESULT)
        exit_of = {"clearsessions.done": 0.0, "clearsessions.failed": 1.0}
    else:
        done = journal.last_event(p, ("job.done",), job=job)
        last = journal.last_event(p, JOB_RESULT, job=job)
        exit_of = {}
    out: dict[str, Any] = {"skipped": journal.count_since(p, JOB_SKIPPED, job, STARTED)}
    if done:
        out["done"] = {"at": _at(done), "rows": _number(done.get("DJOPS_ROWS"))}
    if last:
        default = exit_of.get(last.get("DJOPS_EVENT", ""), 143.0)  # interrupted: SIGTERM
        out["last"] = {
            "duration": _number(last.get("DJOPS_DURATION")),
            "exit": _number(last.get("DJOPS_EXIT"), default),
        }
    return out


def _reloads(p: str) -> dict[str, float]:
    out = {}
    for event in RELOAD_RESULT[:2]:  # applied, rejected
        entry = journal.last_event(p, (event,))
        if entry:
            out[event.split(".", 1)[1]] = _at(entry)
    return out


def _number(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
