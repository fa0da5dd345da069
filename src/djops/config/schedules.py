"""A config's schedules, read by systemd itself: once, at `djops enable`
and `djops check`, with ONE `systemd-analyze calendar` run for all the
distinct expressions (a project may have a thousand jobs). A unit's load
of the config at run time trusts what enable checked: the timers run
the schedules enable wrote, whatever the file says since."""

from typing import Any

from djops import oncalendar
from djops.config.values import CALENDAR, shown
from djops.errors import ConfigError

REBOOT = "@reboot"


def keyed(cfg: Any) -> list[tuple[str, str]]:
    """(key as an error line names it, expression) of every schedule, in
    the file's order; "@reboot" is djops' own and not systemd's."""
    out = [
        ("[clearsessions] schedule", cfg.clearsessions.schedule),
        ("[health] heartbeat", cfg.health.heartbeat),
    ]
    out += [(f"[jobs.{n}] schedule", j.schedule) for n, j in cfg.jobs.items()]
    return [(k, e) for k, e in out if e != REBOOT]


def validate(cfg: Any) -> dict[str, float | None]:
    """Raise ConfigError for the first schedule systemd cannot read; else
    {expression: period} (what the timers' drop-ins need, djops.systemd.dropins)."""
    scheduled = keyed(cfg)
    try:
        periods = oncalendar.survey(e for _, e in scheduled)
    except oncalendar.Unavailable:
        key, expr = scheduled[0]
        raise ConfigError(
            str(cfg.path), key, CALENDAR + "; systemd-analyze could not be run", shown(expr)
        ) from None
    for key, expr in scheduled:
        if expr not in periods:
            raise ConfigError(str(cfg.path), key, CALENDAR, shown(expr))
    return periods
