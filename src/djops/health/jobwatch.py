"""What each health round adds to the `jobs` and `clearsessions` checks
from a job's policy, with no timer of its own: a run still going after
max_runtime_seconds (job.slow), an occurrence its timer did not start
within start_grace_seconds (job.missed), and alert_after failed runs in a
row (with alert_after > 1; at 1 the failure mail is the alert, as cron's).
Each event is logged once, per run or per occurrence; the check fails
while it lasts, so the health ladder alerts once and mails the recovery."""

import functools
import time
from typing import Any

from djops import oncalendar
from djops.config import Config
from djops.systemd import dropins, journal, paused, results, systemctl, units
from djops.systemd import schedule as timing

STARTED = time.time()  # occurrences due before the daemon started are not judged
_logged: set[tuple[str, str]] = set()  # (job, invocation or due) already logged
LOGGING = False  # only the health daemon logs; `djops status` only looks


def watching() -> None:
    """The health daemon's start: from now on, log what is found."""
    global STARTED, LOGGING
    STARTED, LOGGING = time.time(), True


def _once(key: tuple[str, str], event: str, project: str, text: str, **fields: object) -> None:
    if LOGGING and key not in _logged:
        _logged.add(key)
        journal.emit(event, project, text, **fields)


# job -> {"slow": 0/1, "missed": 0/1} as the last look found it: the health
# round hands it to the metrics (djops_job_slow, djops_job_missed)
latest: dict[str, dict[str, float]] = {}


def problems(cfg: Config, names: list[str]) -> list[str]:
    """What is wrong with these jobs now; a paused job is not judged."""
    out = []
    for name in names:
        policy = results.policy_of(cfg, name)
        if policy is None or _paused(cfg, name):
            latest[name] = {"slow": 0.0, "missed": 0.0}
            continue
        service, timer = _units(cfg.name, name)
        late, gone = slow(cfg, name, policy, service), missed(cfg, name, policy, timer)
        latest[name] = {"slow": float(bool(late)), "missed": float(bool(gone))}
        for found in (late, gone):
            if found:
                out.append(f"{name}: {found}")
        if policy.alert_after > 1 and (n := _failing(cfg, name, service)) >= policy.alert_after:
            out.append(f"{name}: {n} failed runs in a row")
    return out


def _paused(cfg: Config, name: str) -> bool:
    return paused.active(cfg.name, name) is not None


def _units(p: str, name: str) -> tuple[str, str]:
    if name == units.CLEARSESSIONS:
        return units.service(units.CLEARSESSIONS, p), units.timer(units.CLEARSESSIONS, p)
    return units.job_service(p, name), units.job_timer(p, name)


def slow(cfg: Config, name: str, policy: Any, service: str) -> str:
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
    text = f"running for {running:.0f}s, longer than max_runtime_seconds = {most:g}"
    _once((name, s.get("InvocationID", "")), "job.slow", cfg.name, f"job {name} of {cfg.name} {text}",
          JOB=name, UNIT=service, RUNNING=round(running), MAX=most)  # fmt: skip
    return text


def missed(cfg: Config, name: str, policy: Any, timer: str) -> str:
    """The occurrence after the timer's last trigger, not started by its
    latest start (the timer's random delay) plus start_grace_seconds."""
    if policy.schedule == "@reboot" or not (period := oncalendar.period(policy.schedule, floor=0)):
        return ""
    grace = policy.start_grace_seconds or period / 10
    last = last_trigger(timer)
    # the daemon judges from its start; a look (status) only from the last trigger
    since = max(STARTED, last) if LOGGING else (last or time.time())
    expression = timing.on_calendar(policy.schedule, getattr(policy, "timezone", ""))
    due = oncalendar.next_after(expression, since)
    late = time.time() - (due or time.time()) - min(period / 10, dropins.MAX_DELAY)
    if due is None or late <= grace:
        return ""
    at = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(due))
    text = f"the occurrence due at {at} has not started ({late:.0f}s past its start grace of {grace:g}s)"
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
        limit = results.policy_of(cfg, name).alert_after
        cached = _failures[service] = (ran, results.streak(results.newest(cfg.name, name, limit)))
    return cached[1]


def last_trigger(timer: str) -> float:
    """When the timer last fired (epoch seconds; 0: never). `systemctl show`
    formats it in the server's zone (and ignores --timestamp=unix there):
    systemd reads its own format back."""
    value = systemctl.show(timer, "LastTriggerUSec").get("LastTriggerUSec", "").strip()
    return _epoch(value) if value and value != "n/a" else 0.0


@functools.lru_cache(maxsize=256)
def _epoch(value: str) -> float:
    """Cached: what systemctl prints is an absolute time."""
    return oncalendar.timestamp(value) or 0.0
