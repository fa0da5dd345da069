"""alert_after for the failure mail: a job (or clearsessions) that fails
now and then mails only once `alert_after` runs in a row failed, once per
streak (its next success mails that it recovered: djops.jobs.policy.after).
Below the mail package: djops.mail.failure asks it, and it sends nothing."""

import contextlib
import os

from djops import paths, safefs
from djops.config import Config
from djops.jobs.policy import keys, streak
from djops.systemd import journal, results, units

LOOKBACK = 200  # results read: more than any sane alert_after


def before(cfg: Config, name: str, invocation: str) -> int:
    """Failed runs in a row before the run `invocation`."""
    return streak.streak(results.newest(cfg.name, name, LOOKBACK), invocation)


def mark_failed(p: str, name: str) -> None:
    """Root's post step after a failed run: the next success reads the
    journal for the streak; a success after a success reads nothing (the
    journal reader's import and read were ~25 ms of every run)."""
    with contextlib.suppress(OSError):
        mark = paths.failing_mark(p, name)
        mark.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        safefs.write_atomic(mark, b"")


def failed_since_success(p: str, name: str) -> bool:
    return os.path.lexists(paths.failing_mark(p, name))


def clear_failed(p: str, name: str) -> None:
    paths.failing_mark(p, name).unlink(missing_ok=True)


def mailed(alert_after: int, failures_before: int) -> bool:
    """Whether a failure after `failures_before` failed runs is mailed:
    every one at 1, as cron; else the one that reaches the threshold."""
    return alert_after == 1 or failures_before + 1 == alert_after


def held(cfg: Config, unit: str, invocation: str) -> str:
    """Log job.failing and say so when the failure mail of `unit`'s run
    waits for more failures in a row; "" = mail it."""
    name = units.job_of_unit(unit)
    policy = keys.of(cfg, name) if name else None
    if name is None or policy is None or policy.alert_after == 1:
        return ""
    n = before(cfg, name, invocation)
    if mailed(policy.alert_after, n):
        return ""
    text = f"{unit} failed: failure {n + 1} in a row; mailed at alert_after = {policy.alert_after}"
    fields = {"JOB": name, "UNIT": unit, "FAILURES": n + 1, "ALERT_AFTER": policy.alert_after}
    journal.emit("job.failing", cfg.name, text, INVOCATION=invocation, **fields)
    return text
