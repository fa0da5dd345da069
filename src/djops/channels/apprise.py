"""The Apprise channel: [notify] urls (chat, push, webhooks) through Debian's
`apprise` package, when it is installed (Suggests:; `djops check` and `djops
enable` say when urls are set without it).

An announcement becomes one entry per URL in /var/lib/djops/notify/ (the
durable queue); djops-notify.service (djops.channels.apprisequeue) delivers
them oldest first. A URL that
fails holds back only its own later messages (so they still arrive in
order), retried with backoff; notify.failed is logged once per message.
"""

import os
import time
from pathlib import Path

from djops import paths, safefs
from djops.channels import apprisequeue, chat, fingerprint, queue
from djops.channels.notice import Notice
from djops.config import Config
from djops.events import ERR, INFO, PRIORITY_NAMES
from djops.systemd import wake

MAX_BODY = 32_000  # characters; each Apprise service shortens further as it must

# the journal priority of what each kind announces; a recovery has its
# alert's, so it goes wherever the alert it ends went. The heartbeat goes
# to chat only with min_priority = "info" (or "debug"); a successful job's
# output is mail only.
PRIORITY = {"alert": ERR, "reminder": ERR, "recovery": ERR, "failure": ERR, "heartbeat": INFO}


def missing(urls: list[str]) -> str:
    """What to do when urls are set and Apprise is not installed; "" if nothing."""
    if not urls or apprisequeue.available():
        return ""
    return (
        f"[notify] urls: {len(urls)} set, but Apprise is missing: apt install apprise "
        "(the notifications wait in /var/lib/djops/notify/ until then)"
    )


def announce(cfg: Config, notice: Notice) -> None:
    """A chat notice to each [notify] url, for the kinds that reach
    min_priority: the mail's subject as its title and the notice's short
    lines (or the body's first line), typed by severity."""
    if not cfg.notify.urls or not goes_out(cfg, notice.kind):
        return
    short = chat.body(notice.lines if notice.lines else notice.body.strip().split("\n")[:1])
    kind_type = notice.severity if notice.severity in chat.TYPES else chat.kind_type(notice.kind)
    send(cfg.name, cfg.notify.urls, notice.title, short, kind_type)


def goes_out(cfg: Config, kind: str) -> bool:
    """Whether `kind` reaches [notify] min_priority (a lower number is more urgent)."""
    priority = PRIORITY.get(kind)
    return priority is not None and priority <= PRIORITY_NAMES.index(cfg.notify.min_priority)


def send(
    project: str, urls: list[str], title: str, body: str, kind_type: str = chat.INFO
) -> list[Path]:
    """Keep one entry per URL, then ask djops-notify.service to deliver."""
    kept = [
        queue.put(
            apprisequeue.directory(),
            {
                "project": project,
                "url": u,
                "title": title,
                "body": body[-MAX_BODY:],
                "type": kind_type,
            },
        )
        for u in urls
    ]
    wake.request(wake.NOTIFY)
    if not os.path.isdir(paths.systemd_booted()):
        apprisequeue.flush()  # no systemd (tests, a chroot): deliver here
    return kept


def pending(project: str | None = None) -> list[Path]:
    return [
        p for p in queue.pending(apprisequeue.directory()) if project is None or _of(p) == project
    ]


def shown(url: str) -> str:
    """Scheme and fingerprint only: the host of many Apprise URLs is their token."""
    return fingerprint.label(url)


def summary(project: str, urls: list[str]) -> str:
    """One line for `djops status` and the heartbeat: configured, last
    delivered, waiting."""
    if not urls:
        return "none ([notify] urls is empty)"
    when = apprisequeue.last_delivered().get(project)
    last = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when else "never"
    missing = "" if apprisequeue.available() else "; Apprise is not installed: apt install apprise"
    where = ", ".join(fingerprint.label(u) for u in urls)
    return f"{where}; last delivered {last}; {len(pending(project))} waiting{missing}"


def _of(path: Path) -> str | None:
    try:
        return str(safefs.read_json(path)["project"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
