"""The root step after each run of a job or of clearsessions
(ExecStopPost=+, `djops job --after P:NAME`): the run's result event from
systemd's record (djops.jobs.verdict), job.too_fast for a run shorter
than min_runtime_seconds, and the recovery mail after an alerted streak of
failures (djops.jobs.policy.alerting counts it). A run another host took
does nothing."""

import os
import time
from typing import Any

from djops.config import Config
from djops.jobs import verdict
from djops.jobs.policy import alerting, keys, streak
from djops.systemd import journal, results, sd_notify, units
from djops.text import plural, span

WAIT = 3.0  # seconds for journald to store the run's own result


def after(cfg: Config, name: str) -> str:
    unit = _unit(cfg.name, name)
    invocation = os.environ.get("INVOCATION_ID", "")
    shown = verdict.record(unit)  # one `systemctl show` per run's post step
    if shown.get("StatusText", "").startswith(sd_notify.SKIPPED):  # another host ran it
        return ""
    # the run's result (a job's, clearsessions'): root's, from systemd's record of this run
    entry = verdict.log(cfg.name, name, shown)
    if os.environ.get("SERVICE_RESULT", "success") != "success":
        alerting.mark_failed(cfg.name, name)
        return ""
    entry = entry or this_run(cfg, name, invocation)
    said = [too_fast(cfg, name, entry), recovery(cfg, name, invocation)]
    return "; ".join(x for x in said if x)


def _unit(p: str, name: str) -> str:
    if name == units.CLEARSESSIONS:
        return units.service(units.CLEARSESSIONS, p)
    return units.job_service(p, name)


def this_run(cfg: Config, name: str, invocation: str) -> dict[str, Any] | None:
    """The run's own result entry (journald may store it a moment late)."""
    deadline = time.monotonic() + WAIT
    while invocation:
        for e in results.newest(cfg.name, name, 5):
            if e.get("_SYSTEMD_INVOCATION_ID") == invocation:
                return e
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return None


def too_fast(cfg: Config, name: str, entry: dict[str, Any] | None) -> str:
    """job.too_fast for a run that succeeded sooner than min_runtime_seconds."""
    policy = keys.of(cfg, name)
    least = policy.min_runtime_seconds if policy else 0
    if not least or not entry or streak.failed(entry):
        return ""
    try:
        took = float(entry.get("DJOPS_DURATION", ""))
    except ValueError:
        return ""
    if took >= least:
        return ""
    text = f"job {name} of {cfg.name} ended after {span(took)}, sooner than min_runtime_seconds = {least:g}"
    journal.emit("job.too_fast", cfg.name, text, JOB=name, DURATION=took, MIN=least)
    return text


def recovery(cfg: Config, name: str, invocation: str) -> str:
    """After a success: the recovery mail if the failures before it were alerted."""
    policy = keys.of(cfg, name)
    if policy is None or not alerting.failed_since_success(cfg.name, name):
        return ""  # no failed run since the last success: no streak to read
    n = alerting.before(cfg, name, invocation)
    alerting.clear_failed(cfg.name, name)
    if n < policy.alert_after:
        return ""
    # imported only to send: the step after every run (this module) pays
    # the mail and channel modules' ~25 ms of imports only when one recovered
    from djops.mail import notices

    text = (
        f"job {name} of {cfg.name} recovered: it succeeded after {plural(n, 'failed run')} in a row"
    )
    to = getattr(policy, "mail_to", None) or cfg.health.mail_to
    body = f"{text}.\n\nSee its runs with: djops history {cfg.name} {name}\n"
    lines = [f"{text}.", f"More: djops history {cfg.name} {name}"]
    notices.send(
        cfg, "recovery", f"job {name} recovered", body + notices.footer(cfg.name), to, lines
    )
    journal.emit("job.recovered", cfg.name, text, JOB=name, FAILURES=n)
    return text
