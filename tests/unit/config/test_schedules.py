"""Schedules are read by systemd once, at enable and check, all in one
systemd-analyze run; a unit's load at run time does not ask again."""

import os
import tomllib

import pytest
from calendars import fake

from djops import config, oncalendar
from djops.config import cache
from djops.errors import ConfigError

JOBS = 1000


def _jobs(n: int, schedule: str = "*:0/5") -> str:
    return "".join(f'[jobs.j{i}]\ncommand = ["check"]\nschedule = "{schedule}"\n' for i in range(n))


@pytest.fixture
def analyze(monkeypatch):
    return fake(monkeypatch)


@pytest.fixture
def state(tmp_path, monkeypatch):
    d = tmp_path / "state"
    d.mkdir()
    monkeypatch.setenv("DJOPS_STATE_DIR", str(d))
    return d


def test_a_units_load_never_asks_systemd(confdir, analyze):
    (confdir / "x.toml").write_text('[health]\nheartbeat = "every full moon"\n' + _jobs(20))
    cfg = config.load("x", live=False)
    assert cfg.health.heartbeat == "every full moon" and len(cfg.jobs) == 20
    assert analyze.calls == []


def test_enable_reads_every_distinct_schedule_in_one_run(confdir, analyze):
    (confdir / "x.toml").write_text(
        '[clearsessions]\nschedule = "hourly"\n'
        + _jobs(JOBS)
        + '[jobs.boot]\nexec = ["/bin/true"]\nschedule = "@reboot"\n'
    )
    cfg = config.load("x", live=False, schedules=True)
    assert len(cfg.jobs) == JOBS + 1
    assert analyze.calls == [["hourly", "daily", "*:0/5"]]  # @reboot is djops' own
    # what enable asks next (the timers' random delay) needs no other run
    assert oncalendar.period("*:0/5", floor=0) == 300.0 and oncalendar.valid("hourly")
    assert len(analyze.calls) == 1


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[health]\nheartbeat = "every full moon"\n', "[health] heartbeat"),
        ('[clearsessions]\nschedule = "25:00"\n', "[clearsessions] schedule"),
        (_jobs(3) + '[jobs.bad]\ncommand = ["x"]\nschedule = "at noon"\n', "[jobs.bad] schedule"),
    ],
)
def test_a_schedule_systemd_cannot_read_is_one_config_line(confdir, analyze, text, key):
    (confdir / "x.toml").write_text(text)
    with pytest.raises(ConfigError) as e:
        config.load("x", live=False, schedules=True)
    msg = str(e.value)
    assert msg.startswith(f"{confdir}/x.toml: {key}: expected a systemd OnCalendar expression")
    assert "\n" not in msg


def test_no_systemd_analyze_is_a_config_line_too(confdir, monkeypatch):
    def missing(*args, **kw):
        raise oncalendar.Unavailable("systemd-analyze could not be run")

    monkeypatch.setattr(oncalendar, "_analyze", missing)
    monkeypatch.setattr(oncalendar, "_surveyed", {})
    with pytest.raises(ConfigError, match=r"\[clearsessions\] schedule: .*could not be run"):
        config.load("x", live=False, schedules=True)


def test_the_survey_parses_each_block_and_leaves_the_invalid_out(analyze):
    got = oncalendar.survey(["daily", "nonsense", "2026-12-24 10:00", "daily"])
    assert got == {"daily": 86400.0, "2026-12-24 10:00": None}
    assert analyze.calls[0] == ["daily", "nonsense", "2026-12-24 10:00"]


def test_the_checked_form_is_kept_and_used_while_the_file_is_unchanged(
    confdir, analyze, state, monkeypatch
):
    if os.geteuid() != 0:
        pytest.skip("only root keeps the checked form")
    path = confdir / "x.toml"
    path.write_text('[project]\nuser = "daemon"\n' + _jobs(50))
    checked = config.load("x", live=False, schedules=True)
    kept = cache.path("x")
    assert kept.exists() and oct(kept.stat().st_mode & 0o777) == oct(path.stat().st_mode & 0o644)

    def no_parse(*a, **kw):
        raise AssertionError("parsed again")

    with monkeypatch.context() as m:
        m.setattr(tomllib, "loads", no_parse)
        assert config.load("x", live=False) == checked
    path.write_text('[project]\nuser = "daemon"\n' + _jobs(49))  # edited since enable
    assert len(config.load("x", live=False).jobs) == 49


def test_a_kept_form_anyone_could_write_is_ignored(confdir, analyze, state):
    if os.geteuid() != 0:
        pytest.skip("only root keeps the checked form")
    (confdir / "x.toml").write_text(_jobs(2))
    config.load("x", live=False, schedules=True)
    kept = cache.path("x")
    kept.chmod(0o666)
    assert cache.read("x", (confdir / "x.toml").read_bytes()) is None


def test_live_checks_still_apply_to_a_kept_form(project, analyze, state, confdir):
    if os.geteuid() != 0:
        pytest.skip("only root keeps the checked form")
    with (confdir / "p.toml").open("a") as f:
        f.write('[jobs.a]\ncommand = ["x"]\nuser = "no-such-user-here"\n')
    config.load("p", live=False, schedules=True)
    with pytest.raises(ConfigError, match=r"\[jobs.a\] user: expected an existing user"):
        config.load("p")


def test_a_bad_schedule_is_said_before_a_missing_user(confdir, analyze):
    """The file's own mistake first: `djops enable` on a new host names the
    schedule, not the user the admin has yet to create."""
    (confdir / "x.toml").write_text('[clearsessions]\nschedule = "every full moon"\n')
    with pytest.raises(ConfigError) as e:
        config.load("x", live=True, schedules=True)
    assert "[clearsessions] schedule: expected a systemd OnCalendar" in str(e.value)
