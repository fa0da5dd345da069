"""The root step after each run of a job or of clearsessions
(ExecStopPost=+, `djops job --after P:NAME`): a job's result event from
systemd's record (djops.jobs.verdict), job.too_fast for a run shorter
than min_runtime_seconds, and the recovery mail after an alerted streak of
failures (djops.mail.alerting). A run another host took does nothing."""

import os
import time
from typing import Any

from djops.config import Config
from djops.jobs import verdict
from djops.mail import alerting
from djops.systemd import journal, results, sd_notify, units

WAIT = 3.0  # seconds for journald to store the run's own result


def after(cfg: Config, name: str) -> str:
    unit = _unit(cfg.name, name)
    invocation = os.environ.get("INVOCATION_ID", "")
    if sd_notify.skipped(unit):
        return ""
    # a job's result: root's, from systemd's record of this run
    entry = None if name == units.CLEARSESSIONS else verdict.log(cfg.name, name, unit)
    if os.environ.get("SERVICE_RESULT", "success") != "success":
        return ""
    entry = entry or this_run(cfg, name, invocation)
    said = [too_fast(cfg, name, entry), alerting.recovery(cfg, name, invocation)]
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
    policy = results.policy_of(cfg, name)
    least = policy.min_runtime_seconds if policy else 0
    if not least or not entry or results.failed(entry):
        return ""
    try:
        took = float(entry.get("DJOPS_DURATION", ""))
    except ValueError:
        return ""
    if took >= least:
        return ""
    text = f"job {name} of {cfg.name} ended after {took:.1f}s, sooner than min_runtime_seconds = {least:g}"
    journal.emit("job.too_fast", cfg.name, text, JOB=name, DURATION=took, MIN=least)
    return text
