"""The words of djops' mails and health lines, in one place."""

import socket
import time
from typing import Protocol

from djops.channels import announce, sendmail
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
    send(cfg, kind, subject, body)


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


def send(cfg: Config, kind: str, subject: str, body: str, to: list[str] | None = None) -> None:
    """Announce on every channel (mail to [health] mail_to unless `to`, and
    the [notify] urls); unit output and journal text in `body` may carry
    escape sequences meant for a terminal: they arrive as visible `\\xNN`."""
    announce.announce(cfg, kind, subject, body, to)
