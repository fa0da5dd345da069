"""The words of djops' mails and health lines, in one place."""

import socket

from djops.channels import announce, sendmail
from djops.config import Config
from djops.events import JOB_SKIPPED
from djops.systemd import journal
from djops.text import printable

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


def footer(p: str) -> str:
    return _FOOTER.format(host=socket.getfqdn(), p=p)


def send(cfg: Config, kind: str, subject: str, body: str, to: list[str] | None = None) -> None:
    """Announce on every channel (mail to [health] mail_to unless `to`, and
    the [notify] urls); unit output and journal text in `body` may carry
    escape sequences meant for a terminal: they arrive as visible `\\xNN`."""
    announce.announce(cfg, kind, subject, body, to)


def last_event(p: str, events: tuple[str, ...], job: str | None = None) -> str:
    """`2026-11-22 04:36 done: <message>` of the newest of `events`, for the
    heartbeat and `djops status`."""
    e = journal.last_event(p, events, job=job)
    if not e:
        return "never (nothing in the journal)"
    when = e["__REALTIME_TIMESTAMP"].astimezone().strftime("%Y-%m-%d %H:%M")
    return f"{when} {e['DJOPS_EVENT'].split('.', 1)[1]}: {e.get('MESSAGE', '')}"


def last_run(p: str, results: tuple[str, ...], job: str, by_job: bool = True) -> str:
    """The newest run of a job (or clearsessions, `by_job` False: its events
    are the project's) and where it ran: here, or on the host that claimed
    it (once per fleet), for the heartbeat and `djops status`."""
    own = journal.last_event(p, results, job=job if by_job else None)
    other = journal.last_event(p, (JOB_SKIPPED,), job=job)
    e = max((x for x in (own, other) if x), key=lambda x: x["__REALTIME_TIMESTAMP"], default=None)
    if not e:
        return "never (nothing in the journal)"
    when = e["__REALTIME_TIMESTAMP"].astimezone().strftime("%Y-%m-%d %H:%M")
    if e["DJOPS_EVENT"] == JOB_SKIPPED:
        holder = printable(str(e.get("DJOPS_HOLDER", "?")), newlines=False)
        return f"{when} on {holder}: {e.get('MESSAGE', '')}"
    kind = e["DJOPS_EVENT"].split(".", 1)[1]
    return f"{when} {kind} here ({sendmail.hostname()}): {e.get('MESSAGE', '')}"
