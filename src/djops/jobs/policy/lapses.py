"""What each health round adds to the `jobs` and `clearsessions` checks
from a job's policy, with no timer of its own: a run still going after
max_runtime_seconds (job.slow), an occurrence its timer did not start
within start_grace_seconds (job.missed), and alert_after failed runs in a
row (with alert_after > 1; at 1 the failure mail is the alert, as cron's).
Each event is logged once, per run or per occurrence; the check fails
while it lasts, so the health ladder alerts once and mails the recovery."""

import time

from djops import oncalendar
from djops.config import Config
from djops.config.schema import Clearsessions, Job, JobPolicy
from djops.jobs.policy import keys, lapse_words, pause_store, streak, timing
from djops.systemd import dropins, journal, results, systemctl, units
from djops.text import plural, span

STARTED = time.time()  # occurrences due before the daemon started are not judged
_logged: set[tuple[str, str, str]] = set()  # (project, job, invocation or due) logged
LOGGING = False  # only the health daemon logs; `djops status` only looks


def watching() -> None:
    """The health daemon's start: from now on, log what is found."""
    global STARTED, LOGGING
    STARTED, LOGGING = time.time(), True


def _once(key: tuple[str, str], event: str, project: str, text: str, **fields: object) -> None:
    if LOGGING and (project, *key) not in _logged:
        _logged.add((project, *key))
        journal.emit(event, project, text, **fields)


# project -> job -> {"slow": 0/1, "missed": 0/1} as the last look found it:
# the health round hands it to the metrics (djops_job_slow, djops_job_missed)
latest: dict[str, dict[str, dict[str, float]]] = {}

# (schedule, floor) -> its period: systemd-analyze once per distinct schedule
# for the daemon's life, never again in a round (oncalendar's cache is bounded)
_periods: dict[tuple[str, float], float | None] = {}


def period(schedule: str, floor: float = 60.0) -> float | None:
    key = (schedule, floor)
    if key not in _periods:
        _periods[key] = oncalendar.period(schedule, floor=floor)
    return _periods[key]


def problems(cfg: Config, names: list[str]) -> list[str]:
    """What is wrong with these jobs now; a paused job is not judged."""
    out, seen = [], latest.setdefault(cfg.name, {})
    for name in names:
        policy = keys.of(cfg, name)
        if policy is None or _paused(cfg, name):
            seen[name] = {"slow": 0.0, "missed": 0.0}
            continue
        service, timer = _units(cfg.name, name)
        late, gone = slow(cfg, name, policy, service), missed(cfg, name, policy, timer)
        seen[name] = {"slow": float(bool(late)), "missed": float(bool(gone))}
        for found in (late, gone):
            if found:
                out.append(f"{name}: {found}")
        if policy.alert_after > 1 and (n := _failing(cfg, name, service)) >= policy.alert_after:
            out.append(f"{name}: {plural(n, 'failed run')} in a row")
    return out


def _paused(cfg: Config, name: str) -> bool:
    return pause_store.active(cfg.name, name) is not None


def _units(p: str, name: str) -> tuple[str, str]:
    if name == units.CLEARSESSIONS:
        return units.service(units.CLEARSESSIONS, p), units.timer(units.CLEARSESSIONS, p)
    return units.job_service(p, name), units.job_timer(p, name)


def slow(cfg: Config, name: str, policy: JobPolicy, service: str) -> str:
    """A run going on past max_runtime_seconds (timeout_seconds still stops it)."""
    most = policy.max_runtime_seconds
    keys = ("ActiveState", "ExecMainStartTimestampMonotonic", "InvocationID")
    s = systemctl.show(service, *keys) if most else {}
    start = s.get("ExecMainStartTimestampMonotonic", "0")
    if s.get("ActiveState") not in ("active", "activating") or not start.isdigit() or start == "0":
        return ""
    running = time.monotonic() - int(start) / 1e6
    if running <= most:
        return ""
    text = f"running for {span(running)}, {lapse_words.SLOW} = {most:g}"
    _once((name, s.get("InvocationID", "")), "job.slow", cfg.name, f"job {name} of {cfg.name} {text}",
          JOB=name, UNIT=service, RUNNING=round(running), MAX=most)  # fmt: skip
    return text


def missed(cfg: Config, name: str, policy: Clearsessions | Job, timer: str) -> str:
    """The occurrence after the timer's last trigger, not started by its
    latest start (the timer's random delay) plus start_grace_seconds."""
    if policy.schedule == "@reboot" or not (every := period(policy.schedule, floor=0)):
        return ""
    grace = policy.start_grace_seconds or every / 10
    last = last_trigger(timer)
    if LOGGING and (nxt := _next_elapse(timer)) is not None:
        # a round: systemd's own next elapse, remembered should the timer stop
        if nxt:
            _expected[(cfg.name, timer)] = nxt
        due = _expected.get((cfg.name, timer))
        if due is not None and due <= last and not nxt:
            # stopped right after a trigger no snapshot saw: the occurrence
            # after that trigger, asked of systemd once for this stop
            expression = timing.on_calendar(policy.schedule, policy.timezone)
            due = _expected[(cfg.name, timer)] = oncalendar.next_after(expression, last)
        if due is None or due <= last or due < STARTED:
            return ""
    else:
        # a look (status), or no snapshot: the schedule's occurrence after
        # the last trigger (the daemon judges from its start)
        since = max(STARTED, last) if LOGGING else (last or time.time())
        expression = timing.on_calendar(policy.schedule, policy.timezone)
        due = oncalendar.next_after(expression, since)
    late = time.time() - (due or time.time()) - min(every / 10, dropins.MAX_DELAY)
    if due is None or late <= grace:
        return ""
    at = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(due))
    text = f"the occurrence due at {at} {lapse_words.MISSED} ({span(late)} past its start grace of {span(grace)})"
    _once((name, str(due)), "job.missed", cfg.name, f"job {name} of {cfg.name}: {text}",
          JOB=name, DUE=at, GRACE=grace, TIMER=timer)  # fmt: skip
    return text


# service -> (its last exit stamp, failed runs in a row then)
_failures: dict[str, tuple[str, int]] = {}


def _failing(cfg: Config, name: str, service: str) -> int:
    """Failed runs in a row now; the journal is read only after a new run."""
    ran = systemctl.show(service, "ExecMainExitTimestampMonotonic").get(
        "ExecMainExitTimestampMonotonic", ""
    )
    if (cached := _failures.get(service)) is None or cached[0] != ran:
        limit = keys.of(cfg, name).alert_after
        cached = _failures[service] = (ran, streak.streak(results.newest(cfg.name, name, limit)))
    return cached[1]


# (project, timer) -> the next elapse systemd last said (epoch seconds)
_expected: dict[tuple[str, str], float] = {}


def _next_elapse(timer: str) -> float | None:
    """NextElapseUSecRealtime from the round's snapshot (0.0: none, the
    timer is stopped); None outside a round."""
    value = systemctl.held(timer, "NextElapseUSecRealtime")
    if value is None:
        return None
    return systemctl.utc_epoch(value) or 0.0


def last_trigger(timer: str) -> float:
    """When the timer last fired (epoch seconds; 0: never), from its
    calendar stamp in UTC: no systemd-analyze. (LastTriggerUSecMonotonic
    looks handier, but systemctl prints it as a timespan, "4h 56min 19s".)"""
    value = systemctl.show(timer, "LastTriggerUSec").get("LastTriggerUSec", "")
    return systemctl.utc_epoch(value) or 0.0
