"""Daylight-saving traps of a schedule in its zone, the next 366 days.

systemd reads `OnCalendar=... ZONE` in wall-clock time: a time in the
spring-forward gap does not exist, so the run is skipped (systemd #5595);
a time in the fall-back overlap comes twice. The transitions come from
tzdata (zoneinfo); whether the schedule has a wall-clock time inside one
is asked of systemd itself, with the schedule read in UTC (no DST) and the
window's wall clock as UTC, so both agree with what the timer will do."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from djops import oncalendar

DAYS = 366


@dataclass(frozen=True)
class Trap:
    kind: str  # "gap" (skipped) or "overlap" (the clock passes it twice)
    start: datetime  # wall clock, naive
    end: datetime
    at: datetime  # the schedule's wall-clock time inside it

    def text(self, job: str, zone: str) -> str:
        window = f"{self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}"
        if self.kind == "gap":
            return (f"{job}: {self.at:%Y-%m-%d %H:%M} does not exist in {zone} (clocks skip {window}):"
                    " systemd skips that run; move the schedule out of that hour or set timezone = \"UTC\"")  # fmt: skip
        return (f"{job}: {self.at:%Y-%m-%d %H:%M} comes twice in {zone} (clocks go back over {window}):"
                " the run may happen twice; make the job idempotent, move it, or set timezone = \"UTC\"")  # fmt: skip


def transitions(zone: str, start: datetime, days: int = DAYS) -> list[tuple[datetime, timedelta]]:
    """(UTC instant, change of the UTC offset) of each change after `start`."""
    tz, out = ZoneInfo(zone), []
    step, t = timedelta(hours=6), start.astimezone(UTC)
    end = t + timedelta(days=days)
    while t < end:
        a, b = t.astimezone(tz).utcoffset(), (t + step).astimezone(tz).utcoffset()
        if a != b:
            lo, hi = t, t + step
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if mid.astimezone(tz).utcoffset() == a else (lo, mid)
            out.append((hi.replace(microsecond=0), b - a))
        t += step
    return out


def traps(schedule: str, zone: str, start: datetime) -> list[Trap]:
    """The gaps and overlaps of `zone` the schedule has a time in."""
    found = []
    for instant, change in transitions(zone, start):
        after = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)  # wall clock just after
        gap = change > timedelta(0)
        # gap: [after - change, after) never shows; overlap: [after, after - change) shows twice
        wall_start = after - change if gap else after
        wall_end = wall_start + abs(change)
        base = wall_start.replace(tzinfo=UTC).timestamp() - 1
        nxt = oncalendar.next_after(f"{schedule} UTC", base)
        if nxt is not None and nxt < wall_end.replace(tzinfo=UTC).timestamp():
            at = datetime.fromtimestamp(nxt, UTC).replace(tzinfo=None)
            found.append(Trap("gap" if gap else "overlap", wall_start, wall_end, at))
    return found
