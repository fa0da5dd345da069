"""max_runtime_seconds, start_grace_seconds and alert_after in the health
round: each problem fails the check while it lasts and is logged once."""

import time

import clock
import pytest

from djops import config
from djops.health import on_time
from djops.jobs.policy import lapses

# schedules as systemd itself computes them
pytestmark = pytest.mark.host("systemd-analyze")


@pytest.fixture
def cfg(project, confdir, monkeypatch):
    path = confdir / f"{project}.toml"
    path.write_text(
        path.read_text() + '[jobs.index]\ncommand = ["index"]\nschedule = "*:0/10"\n'
        "max_runtime_seconds = 60\nstart_grace_seconds = 30\nalert_after = 2\n"
    )
    lapses._logged.clear()
    lapses._failures.clear()
    monkeypatch.setattr(lapses, "STARTED", time.time() - 3600)
    monkeypatch.setattr(lapses, "LOGGING", True)
    clock.shift(monkeypatch, lapses)
    return config.load(project, live=False)


def fake_units(monkeypatch, service: dict, timer: dict) -> None:
    def show(unit, *props):
        if unit.endswith(".timer"):
            return {"LastTriggerUSec": timer.get("LastTriggerUSec", "n/a")}
        return dict(service)

    monkeypatch.setattr(lapses.systemctl, "show", show)


mono_ago = clock.mono_ago


def utc_ago(seconds: float) -> str:
    """A calendar timestamp as `systemctl show` prints it with TZ=UTC (its
    *Monotonic twin of a timer comes formatted as a timespan: unusable)."""
    return time.strftime("%a %Y-%m-%d %H:%M:%S UTC", time.gmtime(time.time() - seconds))


def test_a_run_past_max_runtime_is_slow_and_logged_once(cfg, monkeypatch, sent):
    running = {"ActiveState": "active", "ExecMainStartTimestampMonotonic": mono_ago(90)}
    fake_units(monkeypatch, {**running, "InvocationID": "a"}, {"LastTriggerUSec": utc_ago(90)})
    monkeypatch.setattr(lapses.results, "newest", lambda *a: [])
    found = lapses.problems(cfg, ["index"])
    assert any("longer than max_runtime_seconds = 60" in x for x in found), found
    lapses.problems(cfg, ["index"])
    assert [f["DJOPS_EVENT"] for _, f in sent] == ["job.slow"], "once per run"
    assert sent[0][1]["PRIORITY"] == "4"
    assert lapses.latest[cfg.name]["index"]["slow"] == 1.0, "the metrics' djops_job_slow"
    fake_units(monkeypatch, {**running, "ExecMainStartTimestampMonotonic": mono_ago(10)}, {})
    assert not [x for x in lapses.problems(cfg, ["index"]) if "max_runtime" in x]
    assert lapses.latest[cfg.name]["index"]["slow"] == 0.0


def test_an_occurrence_the_timer_did_not_start_is_missed_after_the_grace(cfg, monkeypatch, sent):
    monkeypatch.setattr(lapses.results, "newest", lambda *a: [])
    # the timer last fired 15 min ago: the occurrence after it was due 5-15 min ago
    fake_units(monkeypatch, {"ActiveState": "inactive"}, {"LastTriggerUSec": utc_ago(900)})
    found = lapses.problems(cfg, ["index"])
    assert any("has not started" in x for x in found), found
    lapses.problems(cfg, ["index"])
    assert [f["DJOPS_EVENT"] for _, f in sent] == ["job.missed"], "once per occurrence"
    assert sent[0][1]["PRIORITY"] == "3"
    fake_units(monkeypatch, {"ActiveState": "inactive"}, {"LastTriggerUSec": utc_ago(1)})
    assert lapses.problems(cfg, ["index"]) == [], "it fired: nothing missed"


def test_failures_in_a_row_fail_the_check_at_alert_after(cfg, monkeypatch, sent):
    fake_units(
        monkeypatch,
        {"ExecMainExitTimestampMonotonic": "5"},
        {"LastTriggerUSec": utc_ago(1)},
    )
    failed = {"DJOPS_EVENT": "job.failed"}
    monkeypatch.setattr(lapses.results, "newest", lambda p, job, n: [failed] * n)
    monkeypatch.setattr(on_time.journal, "last_event", lambda *a, **kw: None)
    assert lapses.problems(cfg, ["index"]) == ["index: 2 failed runs in a row"]
    ok, detail = on_time.jobs(cfg)
    assert not ok and "2 failed runs in a row" in detail


def test_alert_after_1_leaves_the_check_to_the_period_as_before(project, confdir, monkeypatch):
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + '[jobs.x]\ncommand = ["x"]\nschedule = "daily"\n')
    cfg = config.load(project, live=False)
    fake_units(monkeypatch, {}, {"LastTriggerUSec": utc_ago(1)})
    monkeypatch.setattr(lapses.results, "newest", lambda p, job, n: [{"DJOPS_EVENT": "job.failed"}])
    assert lapses.problems(cfg, ["x", "clearsessions"]) == []


def test_only_the_health_daemon_logs_a_status_only_looks(cfg, monkeypatch, sent):
    monkeypatch.setattr(lapses, "LOGGING", False)
    fake_units(monkeypatch, {"ActiveState": "inactive"}, {"LastTriggerUSec": utc_ago(900)})
    monkeypatch.setattr(lapses.results, "newest", lambda *a: [])
    assert lapses.problems(cfg, ["index"]) and not sent


def test_systemd_writes_the_calendar_times_of_a_snapshot_in_utc():
    assert lapses.systemctl.utc_epoch("Fri 2026-11-27 19:47:01 UTC") == 1795808821.0
    assert lapses.systemctl.utc_epoch("n/a") is None
    assert lapses.systemctl.utc_epoch("Fri 2026-11-27 20:47:01 CET") is None


def in_round(timer: str, last_ago: float, next_elapse: float) -> dict:
    """A round's snapshot of the job's units (what `bulk.show` reads)."""
    at = time.strftime("%a %Y-%m-%d %H:%M:%S UTC", time.gmtime(next_elapse)) if next_elapse else ""
    return {
        timer: {"LastTriggerUSec": utc_ago(last_ago), "NextElapseUSecRealtime": at},
        "djops-job@p:index.service": {
            "ActiveState": "inactive",
            "ExecMainStartTimestampMonotonic": "0",
            "ExecMainExitTimestampMonotonic": "0",
            "InvocationID": "",
        },
    }


def test_a_round_takes_the_next_elapse_from_systemd_and_never_runs_systemd_analyze(
    cfg, monkeypatch, sent
):
    monkeypatch.setattr(lapses.results, "newest", lambda *a: [])
    monkeypatch.setattr(lapses.oncalendar, "next_after", lambda *a: pytest.fail("analyze"))
    monkeypatch.setattr(lapses, "_periods", {("*:0/10", 0): 600.0, ("*:0/10", 60.0): 600.0})
    timer = "djops-job@p:index.timer"
    snap = in_round(timer, 300, time.time() + 300)  # fired 5 min ago, next in 5
    with lapses.systemctl.using(snap):
        assert lapses.problems(cfg, ["index"]) == []
    # the timer was stopped since: systemd names no next elapse, the one it
    # last said is remembered and goes by unstarted
    monkeypatch.setattr(lapses, "_expected", {(cfg.name, timer): time.time() - 200})
    with lapses.systemctl.using(in_round(timer, 800, 0)):
        found = lapses.problems(cfg, ["index"])
    assert any("has not started" in x for x in found), found
    assert [f["DJOPS_EVENT"] for _, f in sent] == ["job.missed"]


def test_a_timer_stopped_after_a_trigger_no_round_saw_is_missed_at_the_next_occurrence(
    cfg, monkeypatch, sent
):
    """The last next elapse a round saw is the trigger that then happened
    (rounds share a snapshot): systemd-analyze names the one after it, once."""
    monkeypatch.setattr(lapses.results, "newest", lambda *a: [])
    monkeypatch.setattr(lapses, "_periods", {("*:0/10", 0): 600.0, ("*:0/10", 60.0): 600.0})
    timer = "djops-job@p:index.timer"
    fired = time.time() - 800
    asked = []

    def next_after(expression, since):
        asked.append(since)
        return since + 600

    monkeypatch.setattr(lapses.oncalendar, "next_after", next_after)
    monkeypatch.setattr(lapses, "_expected", {(cfg.name, timer): fired - 1})
    for _ in range(2):
        with lapses.systemctl.using(in_round(timer, 800, 0)):
            found = lapses.problems(cfg, ["index"])
        assert any("has not started" in x for x in found), found
    assert len(asked) == 1 and abs(asked[0] - fired) < 2
    assert [f["DJOPS_EVENT"] for _, f in sent] == ["job.missed"]
