"""Cron schedules as systemd calendar expressions (OnCalendar=), for
`djops migrate-cron`: the five fields with `*`, `*/n`, ranges, lists, steps,
month and weekday names, and the `@` shorthands. What has no single
equivalent is refused with the reason, never guessed."""

import re
from itertools import pairwise

# cron's own meaning of each shorthand (crontab(5)), translated like any
# other line: systemd's names differ (its `weekly` is Monday, cron's Sunday)
SHORTHANDS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
REBOOT = "@reboot"  # djops' job schedule for OnBootSec=
# when Debian's /etc/crontab runs /etc/cron.PERIOD/ (run-parts), if the file
# does not say otherwise
RUN_PARTS = {
    "hourly": "17 * * * *",
    "daily": "25 6 * * *",
    "weekly": "47 6 * * 7",
    "monthly": "52 6 1 * *",
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
SYSTEMD_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
# field -> (lowest, highest, names)
FIELDS = {
    "minute": (0, 59, []),
    "hour": (0, 23, []),
    "day of month": (1, 31, []),
    "month": (1, 12, MONTHS),
    "weekday": (0, 7, DAYS),
}
_ITEM = re.compile(r"(?P<range>\*|[0-9a-z]+(-[0-9a-z]+)?)(/(?P<step>[0-9]+))?")


class Untranslatable(ValueError):
    """A schedule with no one OnCalendar equivalent; the message says why."""


def values(field: str, text: str) -> list[int] | None:
    """The values a cron field matches, or None for `*` (every value)."""
    low, high, names = FIELDS[field]
    if text == "*":
        return None
    out: set[int] = set()
    for item in text.lower().split(","):
        m = _ITEM.fullmatch(item)
        if not m:
            raise Untranslatable(f"{field} {text!r} is not a cron field")
        step = int(m["step"] or 1)
        if step == 0:
            raise Untranslatable(f"{field} {text!r}: a step of 0")
        if m["range"] == "*":
            first, last = low, high
        else:
            ends = [_number(field, e, names) for e in m["range"].split("-")]
            first, last = ends[0], ends[-1] if len(ends) > 1 or not m["step"] else high
        if not (low <= first <= high and low <= last <= high) or first > last:
            raise Untranslatable(f"{field} {text!r} is out of range {low}-{high}")
        out.update(range(first, last + 1, step))
    if field == "weekday" and 7 in out:  # 7 is Sunday too
        out = (out - {7}) | {0}
    return sorted(out)


def _number(field: str, text: str, names: list[str]) -> int:
    if text.isdigit():
        return int(text)
    if text[:3] in names and len(text) == 3:
        return names.index(text) + (1 if field == "month" else 0)
    raise Untranslatable(f"{field} {text!r} is not a number or a name")


def to_oncalendar(schedule: str) -> str:
    """`*/5 * * * *` -> `*-*-* *:00/5:00`; raises Untranslatable."""
    schedule = " ".join(schedule.split())
    if schedule.startswith("@"):
        if schedule == REBOOT:
            return REBOOT
        if schedule not in SHORTHANDS:
            raise Untranslatable(f"{schedule} is not a cron shorthand")
        schedule = SHORTHANDS[schedule]
    fields = schedule.split(" ")
    if len(fields) != 5:
        raise Untranslatable(f"{schedule!r} does not have five fields")
    minute, hour, dom, month, dow = (values(f, t) for f, t in zip(FIELDS, fields, strict=True))
    if dom is not None and dow is not None:
        raise Untranslatable(
            "cron runs it when the day of month OR the weekday matches; "
            "systemd needs both: split it into two jobs"
        )
    days = ",".join(SYSTEMD_DAYS[d] for d in dow) + " " if dow is not None else ""
    return f"{days}*-{_list(month)}-{_list(dom)} {_list(hour, 23)}:{_list(minute, 59)}:00"


def _list(vals: list[int] | None, high: int = 0) -> str:
    """Values as systemd writes them: `*`, `a..b`, an `a/n` repetition (a,
    a+n, ... up to the field's end `high`), or a list. No repetition in days
    and months: systemd carries a day's repetition over into the next month
    (`*-*-01/4` after the 29th is the 2nd, where cron's */4 is the 1st)."""
    if vals is None:
        return "*"
    if len(vals) > 2:
        step = vals[1] - vals[0]
        if all(b - a == step for a, b in pairwise(vals)):
            if step == 1:
                return f"{vals[0]:02d}..{vals[-1]:02d}"
            if high and vals[-1] + step > high:
                return f"{vals[0]:02d}/{step}"
    return ",".join(f"{v:02d}" for v in vals)
