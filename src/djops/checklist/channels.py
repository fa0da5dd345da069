"""Checklist items about the channels: Apprise is installed to deliver the
[notify] urls, nothing waits in their queue for over an hour, and a config
file that holds channel URLs (tokens) is not readable by every local user."""

import os
import stat

from djops.channels import apprise, dmaspool, notify, registry
from djops.checklist.item import FAIL, WARN, Item, item
from djops.config import Config
from djops.text import plural

STUCK_SECONDS = 3600


def items(cfg: Config) -> list[Item]:
    out = _readable(cfg)
    if not cfg.notify.urls:
        return out
    n = len(cfg.notify.urls)
    out.append(
        item(
            "notify",
            not apprise.missing(cfg.notify.urls),
            f"[notify] urls: {n} set, Apprise is installed",
            apprise.missing(cfg.notify.urls),
            FAIL,
        )
    )
    kept = notify.pending(cfg.name)
    stuck = [f for f in kept if dmaspool.age(f) > STUCK_SECONDS]
    out.append(
        item(
            "notify",
            not stuck,
            f"notify queue: {len(kept)} waiting",
            f"notify queue: {plural(len(stuck), 'notification')} undelivered for over an hour; "
            "see `journalctl -u djops-notify.service`",
            WARN,
        )
    )
    return out


def _readable(cfg: Config) -> list[Item]:
    """A file holding channel URLs (their tokens) is readable by root and its group only."""
    if not registry.urls(cfg):  # every channel's: [notify] urls, each ping_url
        return []
    try:
        mode = stat.S_IMODE(os.stat(cfg.path).st_mode)
    except OSError:
        return []
    return [
        item(
            "notify",
            not mode & 0o007,
            f"{cfg.path} holds channel URLs and is not readable by others ({mode:04o})",
            f"{cfg.path} holds channel URLs (tokens) and is readable by every local user "
            f"({mode:04o}): chmod {mode & 0o770:04o} {cfg.path}",
            WARN,
        )
    ]
