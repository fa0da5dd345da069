"""The Apprise channel: [notify] urls (chat, push, webhooks) through Debian's
`apprise` package, when it is installed (Suggests:; `djops check` and `djops
enable` say when urls are set without it).

An announcement becomes one entry per URL in /var/lib/djops/notify/ (the
durable queue); djops-notify.service delivers them oldest first. A URL that
fails holds back only its own later messages (so they still arrive in
order), retried with backoff; notify.failed is logged once per message.
"""

import importlib.util
import os
from pathlib import Path

from djops import paths, safefs
from djops.channels import chat, fingerprint, queue
from djops.systemd import wake

MAX_BODY = 32_000  # characters; each Apprise service shortens further as it must
FIELDS = {"project": str, "url": str, "title": str, "body": str}


def available() -> bool:
    return importlib.util.find_spec("apprise") is not None


def directory() -> Path:
    return paths.state_dir() / "notify"


def missing(urls: list[str]) -> str:
    """What to do when urls are set and Apprise is not installed; "" if nothing."""
    if not urls or available():
        return ""
    return (
        f"[notify] urls: {len(urls)} set, but Apprise is missing: apt install apprise "
        "(the notifications wait in /var/lib/djops/notify/ until then)"
    )


def send(
    project: str, urls: list[str], title: str, body: str, kind_type: str = chat.INFO
) -> list[Path]:
    """Keep one entry per URL, then ask djops-notify.service to deliver."""
    kept = [
        queue.put(
            directory(),
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
        from djops.channels import notifyqueue

        notifyqueue.flush()  # no systemd (tests, a chroot): deliver here
    return kept


def pending(project: str | None = None) -> list[Path]:
    return [p for p in queue.pending(directory()) if project is None or _of(p) == project]


def shown(url: str) -> str:
    """Scheme and fingerprint only: the host of many Apprise URLs is their token."""
    return fingerprint.label(url)


def _of(path: Path) -> str | None:
    try:
        return str(safefs.read_json(path)["project"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
