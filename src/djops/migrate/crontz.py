"""The time zone a crontab reads its schedules in, for `djops migrate-cron`:
`CRON_TZ=` (cronie, systemd-cron), else `TZ=` set in the crontab, becomes the
job's `timezone`. Only the crontab's own NAME=value lines count: a `TZ=` in
front of the command only changes what the command sees."""

from djops import paths
from djops.config import live_values, values

NAMES = ("CRON_TZ", "TZ")  # CRON_TZ first: it is the one made for the schedule


def zone(env: dict[str, tuple[str, str]]) -> tuple[str, str, str]:
    """(IANA name or "" for the server's, why it cannot be kept, where it was set)."""
    for name in NAMES:
        if name in env:
            value, where = env[name]
            try:
                return live_values.timezone(value.removeprefix(":")), "", where
            except values.Invalid:
                return (
                    "",
                    f"{name}={value} ({where}) is no time zone in {paths.zoneinfo()} "
                    "(an IANA name, e.g. Europe/Berlin): as a job it would run in the "
                    "server's zone instead",
                    "",
                )
    return "", "", ""
