"""djops-failure@UNIT.service, the OnFailure= handler: mail the failed unit's
status and the journal lines of its failed run, as cron mailed a failed
job's output, with every settings value redacted."""

import time

from djops import config, paths
from djops.bridge import secrets
from djops.channels import sendmail
from djops.config import Config
from djops.errors import ConfigError, OperationError
from djops.jobs.policy import alerting
from djops.mail import notices, threads
from djops.systemd import journal, run_output, systemctl, units

LINES = 60
UNKNOWN = "unknown"


def project_of(unit: str) -> str:
    """djops-X@P.service -> P; P's gunicorn unit -> the project whose service
    it is; any other unit -> "unknown" (never a name made up from the unit's)."""
    if p := units.project_of(unit):
        return p
    for path in sorted(paths.config_dir().glob("*.toml")):
        try:
            if config.load(path.stem, live=False).project.service == unit:
                return path.stem
        except ConfigError:
            continue
    return UNKNOWN


def run(unit: str) -> str:
    p = project_of(unit)
    cfg = _config(p)
    redactor = secrets.redactor(cfg)
    try:
        status = systemctl.run(
            "status", "--no-pager", "--full", "--lines=0", unit, check=False, timeout=30
        ).stdout
    except OperationError as e:
        status = f"(no status: {e})"
    invocation = systemctl.show(unit, "InvocationID").get("InvocationID", "")
    if held := alerting.held(cfg, unit, invocation):  # alert_after: not mailed yet
        return held
    lines = run_output.invocation_lines(invocation, LINES) if invocation else []
    body = (
        f"{unit} failed on this server.\n\n{status.rstrip()}\n\n"
        f"Journal of the failed run (invocation {invocation or 'unknown'}, last {LINES} lines):\n"
        + ("\n".join(lines) or "(no lines)")
        + f"\n\nSee it all with: journalctl -u {unit} -n 100\n"
    )
    job = cfg.jobs.get(units.job_name_of(unit) or "")
    to = (job.mail_to if job else None) or cfg.health.mail_to
    kind, thread = "failure", None
    if p != UNKNOWN and unit == cfg.project.service:  # the site itself: an incident
        kind, thread, said = _incident(p, invocation)
        body += said
    try:
        notices.send(
            cfg,
            kind,
            f"{unit} failed",
            redactor.redact(body) + notices.footer(p),
            to,
            _chat(unit, invocation, lines),
            thread=thread,
        )
    except OSError:
        if thread and "Message-Id" in thread:  # unsent: health must alert itself
            threads.close(p)
        raise
    text = f"{unit} failed; status and journal mailed to {', '.join(to)}"
    journal.emit("unit.failed", p, text, UNIT=unit, INVOCATION=invocation)
    return text


def _incident(p: str, invocation: str) -> tuple[str, dict[str, str], str]:
    """P.service's failure opens the incident health is about to see: health's
    alert, reminders and recovery answer this mail (djops.mail.threads). An
    incident open already gets this mail in its thread, and no chat notice:
    its alert said it there."""
    stamp = invocation[:12] or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    root = f"<djops.{p}.failed-{stamp}@{sendmail.hostname()}>"
    if opened := threads.open_by_failure(p, root):
        said = (
            "\ndjops-health watches this site: if its checks find it failing, it restarts "
            "it when they keep failing, and mails the recovery as an answer to this mail.\n"
        )
        return "failure", opened, said
    note = threads.read(p)
    return "update", threads.reply(note["root"]) if note else {}, ""


def _chat(unit: str, invocation: str, output: list[str]) -> list[str]:
    """The chat notice: what, when, how it ended and its last line, where to read more."""
    s = systemctl.show(unit, "Result", "ExecMainStatus", "ExecMainCode")
    how = s.get("Result") or "failed"
    if s.get("ExecMainStatus", "0") not in ("", "0"):
        how += f", status {s['ExecMainStatus']}"
    lines = [
        f"{unit} failed (invocation {invocation[:12] or 'unknown'}).",
        f"At {time.strftime('%Y-%m-%d %H:%M:%S')}.",
        f"Cause: {how}" + (f"; last line: {output[-1]}" if output else ""),
        f"More: journalctl -u {unit} -n 100",
    ]
    return lines


def _config(p: str) -> Config:
    try:
        return config.load(p, live=False)
    except ConfigError:  # a broken config must not silence the failure mail
        return config.defaults(p)
