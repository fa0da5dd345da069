"""Cron -> OnCalendar: each result is checked by systemd-analyze itself, and
for a few hundred generated schedules the next elapses agree with the cron
expression's own next times (a brute-force cron evaluator, over a year)."""

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from croniter import croniter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from djops.migrate import crontime

# schedules as systemd itself computes them
pytestmark = pytest.mark.host("systemd-analyze")

START = datetime(2026, 11, 23, 10, 7, tzinfo=UTC)
ITERATIONS = 12


def cron_next(schedule: str, after: datetime, n: int) -> list[datetime]:
    """The next n times a cron daemon would run `schedule`, minute by minute
    (days and hours that cannot match are skipped whole)."""
    fields = schedule.split()
    minute, hour, dom, month, dow = (
        crontime.values(f, t) for f, t in zip(crontime.FIELDS, fields, strict=True)
    )

    def ok(vals, v):
        return vals is None or v in vals

    t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    out = []
    end = after + timedelta(days=800)
    while len(out) < n and t < end:
        weekday = (t.weekday() + 1) % 7  # cron: 0 is Sunday
        if not (ok(month, t.month) and ok(dom, t.day) and ok(dow, weekday)):
            t = (t + timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if not ok(hour, t.hour):
            t = (t + timedelta(hours=1)).replace(minute=0)
            continue
        if ok(minute, t.minute):
            out.append(t)
        t += timedelta(minutes=1)
    return out


def systemd_next(expression: str, n: int) -> list[datetime]:
    r = subprocess.run(
        [
            "systemd-analyze",
            "calendar",
            f"--iterations={n}",
            f"--base-time=@{int(START.timestamp())}",
            "--",
            expression,
        ],
        capture_output=True,
        text=True,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    assert r.returncode == 0, (expression, r.stderr)
    stamps = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith(("Next elapse:", "Iter. #", "Iteration #")):
            text = line.split(":", 1)[1].strip()
            stamps.append(datetime.strptime(text, "%a %Y-%m-%d %H:%M:%S %Z").replace(tzinfo=UTC))
    return stamps


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("*/5 * * * *", "*-*-* *:00/5:00"),
        ("0 3 * * *", "*-*-* 03:00:00"),
        ("15 2 * * 1-5", "Mon,Tue,Wed,Thu,Fri *-*-* 02:15:00"),
        ("0 0 1 jan,JUL *", "*-01,07-01 00:00:00"),
        ("0 12 * * 7", "Sun *-*-* 12:00:00"),
        ("@daily", "*-*-* 00:00:00"),
        ("@weekly", "Sun *-*-* 00:00:00"),
        ("@reboot", "@reboot"),
    ],
)
def test_known_schedules(schedule, expected):
    assert crontime.to_oncalendar(schedule) == expected


@pytest.mark.parametrize(
    ("schedule", "why"),
    [
        ("0 0 1 * 1", "day of month OR the weekday"),
        ("61 * * * *", "out of range"),
        ("* * * *", "five fields"),
        ("*/0 * * * *", "a step of 0"),
        ("@fortnightly", "not a cron shorthand"),
        ("@WEEKLY", "not a cron shorthand"),  # cron itself refuses it
        ("0 0 * foo *", "not a number or a name"),
    ],
)
def test_untranslatable_schedules_say_why(schedule, why):
    with pytest.raises(crontime.Untranslatable, match=why):
        crontime.to_oncalendar(schedule)


@pytest.mark.parametrize(
    "schedule",
    [*crontime.SHORTHANDS, *crontime.RUN_PARTS.values()],
)
def test_shorthands_and_run_parts_times_elapse_when_a_cron_implementation_would(schedule):
    """Not by shape: croniter (python3-croniter) says when cron runs it, and
    systemd-analyze when the emitted OnCalendar elapses."""
    expression = crontime.to_oncalendar(schedule)
    it = croniter(schedule, START)
    expected = [it.get_next(datetime) for _ in range(ITERATIONS)]
    assert systemd_next(expression, ITERATIONS) == expected, (schedule, expression)


def test_weekly_is_sunday_midnight():
    [when] = systemd_next(crontime.to_oncalendar("@weekly"), 1)
    assert when.strftime("%a %H:%M") == "Sun 00:00"


def field(low: int, high: int, names: list[str] | None = None):
    number = st.integers(low, high)
    single = number.map(str)
    if names:
        single = st.one_of(single, st.sampled_from(names))
    rng = st.tuples(number, number).map(lambda ab: f"{min(ab)}-{max(ab)}")
    stepped = st.tuples(st.one_of(st.just("*"), rng), st.integers(1, high // 2 + 1)).map(
        lambda rs: f"{rs[0]}/{rs[1]}"
    )
    item = st.one_of(single, rng, stepped)
    return st.one_of(st.just("*"), item, st.lists(item, min_size=2, max_size=3).map(",".join))


schedules = st.tuples(
    field(0, 59),
    field(0, 23),
    field(1, 28),
    field(1, 12, ["jan", "mar", "dec"]),
    field(0, 7, ["mon", "fri", "sun"]),
).map(" ".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules)
def test_generated_schedules_elapse_when_cron_would(schedule):
    try:
        expression = crontime.to_oncalendar(schedule)
    except crontime.Untranslatable as e:
        assert "OR the weekday" in str(e), (schedule, e)
        return
    expected = cron_next(schedule, START, ITERATIONS)
    assert systemd_next(expression, len(expected) or 1)[: len(expected)] == expected, (
        schedule,
        expression,
    )
