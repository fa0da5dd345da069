"""`djops check`: each schedule that falls into a daylight-saving gap
(systemd skips the run) or overlap (the clock passes it twice) of its zone
in the next 366 days (djops.jobs.dst), with the dates and what to do."""

import os
from datetime import UTC, datetime

from djops import paths
from djops.checklist.item import OK, WARN, Item
from djops.config import Config
from djops.jobs import dst
from djops.jobs.policy import keys
from djops.systemd import units
from djops.text import plural


def server_zone() -> str:
    """The server's IANA zone, from the /etc/localtime link ("UTC" if none)."""
    try:
        target = os.readlink(paths.localtime())
    except OSError:
        return "UTC"
    return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "UTC"


def items(cfg: Config, now: datetime | None = None) -> list[Item]:
    now = now or datetime.now(UTC)
    out, clean = [], 0
    for name in [units.CLEARSESSIONS, *cfg.jobs]:
        policy = keys.of(cfg, name)
        if policy.schedule == "@reboot":
            continue
        zone = policy.timezone or server_zone()
        found = dst.traps(policy.schedule, zone, now)
        out += [Item("schedules", WARN, t.text(name, zone)) for t in found]
        clean += not found
    if clean:
        out.append(
            Item(
                "schedules",
                OK,
                f"{plural(clean, 'schedule')}: no daylight-saving change in 366 days",
            )
        )
    return out
