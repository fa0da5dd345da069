"""The words of djops' mails and health lines, in one place, and of their
chat notices: the mail's subject as the title and at most five lines (what,
since when, the cause, the one command that shows more).

Only an incident's alert, reminders and recovery are announced (the ladder
steps with a `mail`, djops.health.ladder); a degraded step is in the journal
only, by design, so a probe that flaps for a round or two pages nobody, and
no notice is typed warning for it: warning is an alert of only slow or
missed runs (incident_severity)."""

import socket
import time
from typing import Protocol

from djops.channels import announce, chat, sendmail
from djops.config import Config
from djops.jobs.policy import lapse_words
from djops.mail import threads
from djops.text import plural


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
    count = (
        f" after {plural(s.failures, 'failure')}"
        if event == "health.recovered"
        else f" ({s.failures}x)"
    )
    cause = f"; cause: {s.cause}" if len(checks) > 1 and "; cause: " not in s.detail else ""
    return f"{p}: {what} {verb}{count}: {s.detail}{cause}"


def incident_mail(cfg: Config, s: Step, line: str, status: str) -> None:
    """The alert, reminder or recovery of one incident, in the incident's thread."""
    checks = ", ".join(s.checks)
    kind = s.step.mail or "alert"
    subject = {
        "alert": f"ALERT {checks} failing",
        "reminder": f"STILL FAILING {checks}",
        "recovery": f"recovered {checks}",
    }[kind]
    since = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(s.since))
    body = (
        f"{line}\n\nIncident {s.incident}, since {since}; cause: {s.cause}.\n"
        f"All checks now: {status}\n" + footer(cfg.name)
    )
    headers = thread(cfg.name, s.incident, kind)
    if s.incident:  # P.service's own failure mail may have opened the thread
        own = thread(cfg.name, s.incident, "alert")["Message-Id"]
        headers = threads.for_step(cfg.name, s.incident, kind, s.since, own)
        if headers is None:
            return  # that mail was this incident's alert, on every channel
    send(
        cfg,
        kind,
        subject,
        body,
        lines=incident_chat(cfg.name, s, kind),
        severity=incident_severity(s, kind),
        thread=headers,
    )


def incident_chat(p: str, s: Step, kind: str) -> list[str]:
    """What, since when, the cause, where to read more: at most five lines."""
    if len(s.checks) == 1:
        what, be = f"Check {s.checks[0]}", "is"
    else:
        what, be = f"Checks {', '.join(s.checks)}", "are"
    more = f"More: journalctl DJOPS_PROJECT={p} DJOPS_INCIDENT={s.incident}"
    if kind == "recovery":
        return [
            f"{what} of {p} {be} ok again, after {plural(s.failures, 'failed check')}.",
            f"Failing from about {_at(s.since)} to {_at(time.time())}.",
            f"Cause: check {s.cause}.",
            more,
        ]
    return [
        f"{what} of {p} {be} failing ({plural(s.failures, 'check')} in a row).",
        f"Since about {_at(s.since)}.",
        f"Cause: {s.detail}",
        more,
    ]


def incident_severity(s: Step, kind: str) -> str:
    """The chat type: an incident of only a job too slow or not started is a
    warning; any other alert a failure."""
    if kind in ("alert", "reminder") and set(s.checks) <= {"jobs", "clearsessions"}:
        problems = s.detail.split("; ")  # "jobs: one problem; another"
        if all(any(w in d for w in lapse_words.WARNINGS) for d in problems):
            return chat.WARNING
    return chat.kind_type(kind)


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
    thread: dict[str, str] | None = None,
) -> None:
    """Announce on every channel (mail to [health] mail_to unless `to`, and
    the [notify] urls, as the chat notice `lines`, or the body's first line
    and where to read more); unit output and journal text in `body` may carry
    escape sequences meant for a terminal: they arrive as visible `\\xNN`.
    `thread`: the mail's place in an incident's thread (thread())."""
    if lines is None:
        first = next((ln for ln in body.splitlines() if ln.strip()), subject)
        lines = [first, f"More: djops status {cfg.name}"]
    announce.announce(cfg, kind, subject, body, to, lines, severity, thread)
