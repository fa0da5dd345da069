"""alert_after for the failure mail, and the recovery mail: a job (or
clearsessions) that fails now and then mails only once `alert_after` runs
in a row failed, once per streak; its next success mails that it
recovered and logs job.recovered."""

from djops.config import Config
from djops.systemd import journal, results
from djops.text import plural

LOOKBACK = 200  # results read: more than any sane alert_after


def before(cfg: Config, name: str, invocation: str) -> int:
    """Failed runs in a row before the run `invocation`."""
    return results.streak(results.newest(cfg.name, name, LOOKBACK), invocation)


def mailed(alert_after: int, failures_before: int) -> bool:
    """Whether a failure after `failures_before` failed runs is mailed:
    every one at 1, as cron; else the one that reaches the threshold."""
    return alert_after == 1 or failures_before + 1 == alert_after


def held(cfg: Config, unit: str, invocation: str) -> str:
    """Log job.failing and say so when the failure mail of `unit`'s run
    waits for more failures in a row; "" = mail it."""
    name = results.job_of_unit(unit)
    policy = results.policy_of(cfg, name) if name else None
    if name is None or policy is None or policy.alert_after == 1:
        return ""
    n = before(cfg, name, invocation)
    if mailed(policy.alert_after, n):
        return ""
    text = f"{unit} failed: failure {n + 1} in a row; mailed at alert_after = {policy.alert_after}"
    fields = {"JOB": name, "UNIT": unit, "FAILURES": n + 1, "ALERT_AFTER": policy.alert_after}
    journal.emit("job.failing", cfg.name, text, INVOCATION=invocation, **fields)
    return text


def recovery(cfg: Config, name: str, invocation: str) -> str:
    """After a success: the recovery mail if the failures before it were alerted."""
    policy = results.policy_of(cfg, name)
    n = before(cfg, name, invocation)
    if policy is None or n < policy.alert_after:
        return ""
    # imported only to send: the step after every run (djops.jobs.policy) pays
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
