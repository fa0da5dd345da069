"""The words of djops' mails and health lines, in one place, and of their
chat notices: the mail's subject as the title and at most five lines (what,
since when, the cause, the one command that shows more)."""

import re
import socket
import time

from djops.channels import announce, chat
from djops.config import Config
from djops.text import plural

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
_COUNT = re.compile(r" (?:\((\d+)x\)|after (\d+) failures?): (.*)", re.S)
# the words of djops.health.jobwatch for a run too slow and an occurrence missed:
# an alert of only those is a warning, not a failure
_SLOW_OR_MISSED = ("longer than max_runtime_seconds", "has not started")


def health_line(event: str, p: str, check: str, detail: str, failures: int) -> str:
    count = (
        f" after {plural(failures, 'failure')}"
        if event == "health.recovered"
        else f" ({failures}x)"
    )
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
            f"Check {check} of {p} is ok again, after {plural(failures, 'failed check')}.",
            f"Failing from about {_at(since)} to {_at(now)}.",
            f"Now: {detail}",
            more,
        ]
    since = now - max(failures - 1, 0) * cfg.health.interval_seconds
    return [
        f"Check {check} of {p} is failing ({plural(failures, 'check')} in a row).",
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
