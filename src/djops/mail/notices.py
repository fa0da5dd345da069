"""The words of djops' mails and health lines, in one place."""

import socket

from djops.channels import announce
from djops.config import Config

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
