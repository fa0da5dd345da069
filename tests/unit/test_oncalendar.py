"""systemd's own reading of calendars and timestamps (real systemd-analyze)."""

import time

import pytest

from djops import oncalendar

# schedules as systemd itself computes them
pytestmark = pytest.mark.host("systemd-analyze")


def test_a_timestamp_is_read_by_systemd_in_the_servers_zone(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    assert oncalendar.timestamp("2026-12-01 08:00:00") == 1796112000.0
    assert oncalendar.timestamp("Fri 2026-11-27 19:47:01 UTC") == 1795808821.0


def test_a_relative_timestamp_is_read_anew_each_time():
    soon = oncalendar.timestamp("+2h")
    assert soon is not None and abs(soon - (time.time() + 7200)) < 5


def test_what_is_not_a_timestamp_is_none():
    assert oncalendar.timestamp("next blue moon") is None


def test_a_calendar_expression_and_its_period():
    assert oncalendar.valid("*-*-* 03:30") and not oncalendar.valid("at half past three")
    assert oncalendar.period("hourly") == 3600.0


def test_a_thousand_schedules_are_read_by_one_systemd_analyze(monkeypatch):
    """systemd 257 prints "Original form" only when it differs from the
    normalized one: expressions already normalized (what a generated config
    holds) were asked again one by one, 2,000 forks for 1,000 jobs."""
    runs = []
    real = oncalendar._analyze
    monkeypatch.setattr(oncalendar, "_analyze", lambda *a, **k: runs.append(a) or real(*a, **k))
    monkeypatch.setattr(oncalendar, "_surveyed", {})
    wanted = [f"*-*-* 04:{i // 60:02d}:{i % 60:02d}" for i in range(300)]
    bogus = ["bogus", "*-*-* 25:00"]
    got = oncalendar.survey([bogus[0], *wanted[:150], bogus[1], *wanted[150:], "daily", "weekly"])
    assert len(runs) == 1
    assert set(got) == {*wanted, "daily", "weekly"}
    assert got["daily"] == 86400 and got["weekly"] == 7 * 86400
    assert {got[w] for w in wanted} == {86400}
    assert not oncalendar.valid(bogus[0]) and not oncalendar.valid(bogus[1])
