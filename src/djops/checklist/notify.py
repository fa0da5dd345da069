"""Checklist items about the [notify] urls: Apprise is installed to deliver
them, and nothing waits in their queue for over an hour."""

from djops.channels import apprise, dmaspool
from djops.checklist.item import FAIL, WARN, Item, item
from djops.config import Config

STUCK_SECONDS = 3600


def items(cfg: Config) -> list[Item]:
    if not cfg.notify.urls:
        return []
    n = len(cfg.notify.urls)
    out = [
        item(
            "notify",
            apprise.available(),
            f"[notify] urls: {n} set, Apprise is installed",
            f"[notify] urls: {n} set, but Apprise is missing: apt install apprise "
            "(the notifications wait in /var/lib/djops/notify/ until then)",
            FAIL,
        )
    ]
    kept = apprise.pending(cfg.name)
    stuck = [f for f in kept if dmaspool.age(f) > STUCK_SECONDS]
    out.append(
        item(
            "notify",
            not stuck,
            f"notify queue: {len(kept)} waiting",
            f"notify queue: {len(stuck)} notifications undelivered for over an hour; "
            "see `journalctl -u djops-notify.service`",
            WARN,
        )
    )
    return out
