"""The words of djops' mails and health lines, in one place, and of their
chat notices: the mail's subject as the title and at most five lines (what,
since when, the cause, the one command that shows more)."""

import re
import socket
import time
from typing import Protocol

from djops.channels import announce, chat, sendmail
from djops.config import Config


class _Step(Protocol):  # a health.ladder.Step (mail ranks below health)
    event: str
    mail: str | None


class Step(Protocol):
    """What the words need of a health.incident.Step."""

    step: _Step
    incident: str
    checks: tuple[str, ...]
    cause: str
    detail: str
    failures: int
    since: float


_VERB = {
    "health.degraded": "is failing",
    "health.alert": "needs attention",
    "health.restarted": "made djops restart the service",
    "health.restart_held": "would restart the service, but djops holds back",
    "health.recovered": "recovered",
}

_FOOTER = (
    "\n--\nSent by djops on {host}. Read the whole story with\n"
    "  journalctl DJOPS_PROJECT={p} -p warning\n  djops status {p}\n"
)

_WHEN = "%Y-%m-%d %H:%M"
# what health_line writes after the verb: "(3x): detail" or "after 3 failures: detail"
_COUNT = re.compile(r" (?:\((\d+)x\)|after (\d+) failures): (.*)", re.S)
# the words of djops.health.jobwatch for a run too slow and an occurrence missed:
# an alert of only those is a warning, not a failure
_SLOW_OR_MISSED = ("longer than max_runtime_seconds", "has not started")


def health_line(event: str, p: str, check: str, detail: str, failures: int) -> str:
    count = f" after {failures} failures" if event == "health.recovered" else f" ({failures}x)"
    return f"{p}: check {check} {_VERB[event]}{count}: {detail}"


def health_mail(cfg: Config, kind: str, check: str, line: str, status: str) -> None:
    subject = {
        "alert": f"ALERT {check} failing",
        "reminder": f"STILL FAILING {check}",
        "recovery": f"recovered {check}",
    }[kind]
    body = f"{line}\n\nAll checks now: {status}\n" + footer(cfg.name)
    lines, severity = health_chat(cfg, kind, check, line), health_severity(kind, check, line)
    send(cfg, kind, subject, body, lines=lines, severity=severity)


def health_chat(cfg: Config, kind: str, check: str, line: str) -> list[str]:
    """What, since when (from the failures counted, one per interval), the
    cause, where to read more."""
    p, now = cfg.name, time.time()
    failures, detail = _count(line)
    more = f"More: journalctl DJOPS_PROJECT={p} -p warning"
    if kind == "recovery":
        since = now - failures * cfg.health.interval_seconds
        return [
            f"Check {check} of {p} is ok again, after {failures} failed checks.",
            f"Failing from about {_at(since)} to {_at(now)}.",
            f"Now: {detail}",
            more,
        ]
    since = now - max(failures - 1, 0) * cfg.health.interval_seconds
    return [
        f"Check {check} of {p} is failing ({failures} checks in a row).",
        f"Since about {_at(since)}.",
        f"Cause: {detail}",
        more,
    ]


def health_severity(kind: str, check: str, line: str) -> str:
    """The chat type: an alert that only says a job runs too long or did not
    start is a warning; any other alert a failure."""
    if kind in ("alert", "reminder") and check in ("jobs", "clearsessions"):
        problems = _count(line)[1].split("; ")
        if all(any(w in p for w in _SLOW_OR_MISSED) for p in problems):
            return chat.WARNING
    return chat.kind_type(kind)


def _count(line: str) -> tuple[int, str]:
    """(failures, detail) of a health_line."""
    m = _COUNT.search(line)
    return (int(m[1] or m[2]), m[3]) if m else (1, line)


def _at(when: float) -> str:
    return time.strftime(_WHEN, time.localtime(when))


_PLURAL = {
    "is failing": "are failing",
    "needs attention": "need attention",
}


def incident_line(p: str, s: Step) -> str:
    """One line for the journal and the mail: every check, the count, the cause."""
    event, checks = s.step.event, s.checks
    verb = _VERB[event]
    what = f"check {checks[0]}" if len(checks) == 1 else f"checks {', '.join(checks)}"
    if len(checks) > 1:
        verb = _PLURAL.get(verb, verb)
    count = f" after {s.failures} failures" if event == "health.recovered" else f" ({s.failures}x)"
    cause = f"; cause: {s.cause}" if len(checks) > 1 and "; cause: " not in s.detail else ""
    return f"{p}: {what} {verb}{count}: {s.detail}{cause}"


def incident_mail(cfg: Config, s: Step, line: str, status: str) -> None:
    """The alert, reminder or recovery of one incident, in the incident's thread."""
    checks = ", ".join(s.checks)
    subject = {
        "alert": f"ALERT {checks} failing",
        "reminder": f"STILL FAILING {checks}",
        "recovery": f"recovered {checks}",
    }[s.step.mail or ""]
    since = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(s.since))
    body = (
        f"{line}\n\nIncident {s.incident}, since {since}; cause: {s.cause}.\n"
        f"All checks now: {status}\n" + footer(cfg.name)
    )
    kind = s.step.mail or "alert"
    announce.announce(cfg, kind, subject, body, thread=thread(cfg.name, s.incident, kind))


def thread(p: str, incident: str, kind: str, host: str = "") -> dict[str, str]:
    """The alert starts the incident's thread under an id made of it; the
    reminders and the recovery answer it (no id: no thread)."""
    if not incident:
        return {}
    root = f"<djops.{p}.{incident}@{host or sendmail.hostname()}>"
    if kind == "alert":
        return {"Message-Id": root}
    return {"In-Reply-To": root, "References": root}


def footer(p: str) -> str:
    return _FOOTER.format(host=socket.getfqdn(), p=p)


def send(
    cfg: Config,
    kind: str,
    subject: str,
    body: str,
    to: list[str] | None = None,
    lines: list[str] | None = None,
    severity: str | None = None,
) -> None:
    """Announce on every channel (mail to [health] mail_to unless `to`, and
    the [notify] urls, as the chat notice `lines`, or the body's first line
    and where to read more); unit output and journal text in `body` may carry
    escape sequences meant for a terminal: they arrive as visible `\\xNN`."""
    if lines is None:
        first = next((ln for ln in body.splitlines() if ln.strip()), subject)
        lines = [first, f"More: djops status {cfg.name}"]
    announce.announce(cfg, kind, subject, body, to, lines, severity)
