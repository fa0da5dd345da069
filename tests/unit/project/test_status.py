"""`djops status`: one screen per project, from systemctl, the health state
and the journal (faked here; the e2e suite reads the real ones)."""

import subprocess
import time
from datetime import UTC, datetime

import clock
import pytest

from djops import config
from djops.health import state
from djops.project import running, status

SHOW = {
    "djops@p.target": {"ActiveState": "active", "UnitFileState": "enabled"},
    "djops-clearsessions@p.timer": {"NextElapseUSecRealtime": "Tue 2026-11-24 03:30:00 UTC"},
    "djops-heartbeat@p.timer": {"NextElapseUSecRealtime": "Tue 2026-11-24 00:02:00 UTC"},
    "djops-watch.service": {"ActiveState": "active", "StatusText": "watching 1 file"},
    "djops-health.service": {"ActiveState": "active", "StatusText": "service ok"},
}


@pytest.fixture
def cfg(project, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    fake_systemctl(monkeypatch)
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    trouble = [
        {"DJOPS_EVENT": "health.degraded", "PRIORITY": 4, "MESSAGE": "p: check http is failing", "__REALTIME_TIMESTAMP": at},
        {"DJOPS_EVENT": "health.degraded", "PRIORITY": 4, "MESSAGE": "p: check http is failing", "__REALTIME_TIMESTAMP": at},
        {"DJOPS_EVENT": "reload.rejected", "PRIORITY": 3, "MESSAGE": "rejected: SyntaxError", "__REALTIME_TIMESTAMP": at},
    ]  # fmt: skip
    monkeypatch.setattr(status.journal, "recent", lambda p, prio, seconds, jobs=(): trouble)
    monkeypatch.setattr(status.lastruns.journal, "last_event", lambda *a, **k: None)
    monkeypatch.setattr(status.lastruns, "last_runs", lambda p, jobs: dict.fromkeys(jobs, "never"))
    return config.load(project, live=False)


def fake_systemctl(monkeypatch) -> list[tuple]:
    """`systemctl show --property=... -- UNITS`: a block per unit, as systemd prints."""
    from djops.systemd import bulk

    calls: list[tuple] = []

    def run(*args, check=True, timeout=None, utc=False):
        calls.append(args)
        assert args[0] == "show" and args[2] == "--", args
        props = args[1].removeprefix("--property=").split(",")
        blocks = []
        for unit in args[3:]:
            known = {"Id": unit, **SHOW.get(unit, {})}
            blocks.append("".join(f"{k}={known.get(k, '')}\n" for k in props))
        return subprocess.CompletedProcess(args, 0, "\n".join(blocks), "")

    monkeypatch.setattr(bulk.systemctl, "run", run)
    return calls


def test_one_screen_with_units_checks_and_the_days_trouble(cfg):
    state.save(
        cfg.name,
        {"updated": time.time(), "checks": {
            "service": {"ok": True, "detail": "p.service active", "ladder": {"failures": 0}},
            "http": {"ok": False, "detail": "HTTP 503", "ladder": {"failures": 2}},
        }},
    )  # fmt: skip
    text = status.project(cfg)
    assert text.startswith("p: djops@p.target active (enabled)")
    assert "clearsessions  next Tue 2026-11-24 03:30:00 UTC; last never" in text
    assert "watcher        active: watching 1 file" in text
    assert "    http           FAILING x2   HTTP 503" in text
    assert "problems (24 h, warning or worse): 3" in text
    assert "  2x health.degraded" in text and " warning p: check http is failing" in text
    assert "  1x reload.rejected" in text and " err " in text
    assert "journalctl DJOPS_PROJECT=p -p warning --since -24h" in text


def test_without_health_state_it_says_so(cfg):
    assert "no state yet (djops-health not running?)" in status.project(cfg)


def test_a_run_a_moment_ago_shows_although_the_last_round_did_not_see_it(cfg, monkeypatch):
    stale = {"ok": False, "detail": "no successful run yet", "ladder": {"failures": 1}}
    state.save(cfg.name, {"updated": time.time(), "checks": {"clearsessions": stale}})
    monkeypatch.setattr(
        status.probes, "run", lambda name, cfg: (True, "last run 0.0 h ago (schedule every 24.0 h)")
    )
    text = status.project(cfg)
    assert "    clearsessions  ok           last run 0.0 h ago" in text
    assert "no successful run yet" not in text


def test_a_reboot_job_runs_next_at_boot(cfg, confdir):
    path = confdir / "p.toml"
    path.write_text(path.read_text() + '[jobs.warm]\ncommand = ["warm"]\nschedule = "@reboot"\n')
    text = status.project(config.load("p", live=False))
    assert "  job warm       next at boot; last " in text, text


def test_a_paused_clearsessions_shows_paused_like_a_paused_job(cfg, confdir):
    from djops.jobs.policy import pause_store

    path = confdir / "p.toml"
    path.write_text(path.read_text() + '[jobs.index]\ncommand = ["index"]\n')
    cfg = config.load("p", live=False)
    pause_store.write("p", "clearsessions", None)
    pause_store.write("p", "index", time.time() + 3600)
    text = status.project(cfg)
    assert "  clearsessions  paused (until djops resume); last " in text, text
    assert "  job index      paused (until 20" in text, text
    pause_store.remove("p", "clearsessions")
    assert "  clearsessions  next Tue 2026-11-24 03:30:00 UTC; last " in status.project(cfg)


def test_a_thousand_jobs_cost_one_systemctl_run_and_one_journal_reader(cfg, confdir, monkeypatch):
    calls = fake_systemctl(monkeypatch)
    read: list[list[str]] = []
    monkeypatch.setattr(
        status.lastruns,
        "last_runs",
        lambda p, jobs: read.append(jobs) or dict.fromkeys(jobs, "never"),
    )
    monkeypatch.setattr(status.probes, "run", lambda name, cfg: pytest.fail(f"{name} run again"))
    path = confdir / "p.toml"
    path.write_text(
        path.read_text() + "".join(f'[jobs.j{i}]\ncommand = ["x"]\n' for i in range(1000))
    )
    state.save(
        "p",
        {
            "updated": time.time(),
            "checks": {
                "jobs": {"ok": True, "detail": "all 1000 on time", "ladder": {"failures": 0}}
            },
        },
    )
    text = status.project(config.load("p", live=False))
    # the timers and the services (a run under way) of all 1000 jobs: one run
    assert len(calls) == 1 and len(calls[0]) == 3 + 5 + 2 * 1000
    assert len(read) == 1 and len(read[0]) == 1000
    assert "  job j999       next -; last never" in text
    assert "    jobs           ok           all 1000 on time" in text  # the round's view


def test_the_overview_is_one_systemctl_run_and_one_journal_pass(tmp_path, monkeypatch):
    from djops.systemd import units

    calls = fake_systemctl(monkeypatch)
    projects = [f"p{i}" for i in range(100)]
    monkeypatch.setattr(units, "enabled_projects", lambda: projects)
    passes: list[list[str]] = []
    monkeypatch.setattr(
        status.lastruns, "problems", lambda ps, prio, s: passes.append(ps) or {p: 2 for p in ps}
    )
    SHOW["djops-health.service"] = {"ActiveState": "active", "StatusText": "watching 100"}
    monkeypatch.setattr(
        status.health_state,
        "read",
        lambda p: {"checks": {"http": {"ok": p != "p7"}, "disk": {"ok": True}}},
    )
    try:
        lines = status.overview().splitlines()
    finally:
        del SHOW["djops-health.service"]
    assert len(calls) == 1 and len(passes) == 1 and len(lines) == 100
    assert (
        lines[7]
        == "p7               watch active, health active: failing: http; 2 problems in 24 h"
    )
    assert lines[8] == "p8               watch active, health active: ok; 2 problems in 24 h"


@pytest.fixture(autouse=True)
def booted_long_ago(monkeypatch):
    clock.shift(monkeypatch, running)


def _started(seconds_ago: float) -> str:
    """InactiveExitTimestampMonotonic of a run that began `seconds_ago`."""
    return clock.mono_ago(seconds_ago)


def with_job(confdir, name: str) -> config.Config:
    path = confdir / "p.toml"
    path.write_text(path.read_text() + f'[jobs.{name}]\ncommand = ["x"]\n')
    return config.load("p", live=False)


def test_a_first_run_under_way_says_since_when_not_never(cfg, confdir, monkeypatch):
    monkeypatch.setattr(
        status.lastruns, "last_runs", lambda p, js: dict.fromkeys(js, status.lastruns.NEVER)
    )
    run = {"ActiveState": "active", "InactiveExitTimestampMonotonic": _started(12)}
    monkeypatch.setitem(SHOW, "djops-job@p:index.service", run)
    monkeypatch.setitem(SHOW, "djops-clearsessions@p.service", {**run, "ActiveState": "activating"})
    at = datetime.fromtimestamp(time.time() - 12).strftime("%H:%M")
    text = status.project(with_job(confdir, "index"))
    assert f"  job index      next -; running since {at} (12 s)\n" in text, text
    assert f"  clearsessions  next Tue 2026-11-24 03:30:00 UTC; running since {at} (12 s)\n" in text
    runs = [ln for ln in text.splitlines() if ln.startswith(("  job ", "  clearsessions "))]
    assert len(runs) == 2 and not [ln for ln in runs if "never" in ln], runs


def test_a_run_under_way_after_earlier_ones_shows_both(cfg, confdir, monkeypatch):
    monkeypatch.setattr(
        status.lastruns,
        "last_runs",
        lambda p, js: dict.fromkeys(js, "2026-11-23 08:00 done here (web1): ok"),
    )
    run = {"ActiveState": "active", "InactiveExitTimestampMonotonic": _started(600)}
    monkeypatch.setitem(SHOW, "djops-job@p:index.service", run)
    text = status.project(with_job(confdir, "index"))
    assert (
        "; running since " in text
        and " (10 min); last 2026-11-23 08:00 done here (web1): ok" in text
    )


def test_a_run_that_ended_shows_its_end_only(cfg, confdir, monkeypatch):
    ended = {"ActiveState": "inactive", "InactiveExitTimestampMonotonic": _started(600)}
    monkeypatch.setitem(SHOW, "djops-job@p:index.service", ended)
    assert "  job index      next -; last never" in status.project(with_job(confdir, "index"))


def test_a_long_job_name_widens_the_label_column_for_every_line(cfg, confdir):
    name = "send_the_weekly_newsletter_to_everyone"
    text = status.project(with_job(confdir, name))
    columns = {  # where the text after each label begins
        len(ln) - len(ln[2 + len(word) :].lstrip(" "))
        for ln in text.splitlines()
        for word in ("clearsessions", f"job {name}", "watcher", "last reload", "health", "notify")
        if ln.startswith(f"  {word} ")
    }
    assert columns == {2 + len(f"job {name}") + 1}, text
    assert f"  job {name} next -; last never" in text


def test_a_long_event_name_keeps_the_trouble_columns(cfg, monkeypatch):
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    trouble = [
        {"DJOPS_EVENT": "clearsessions.interrupted", "PRIORITY": 4, "MESSAGE": "a", "__REALTIME_TIMESTAMP": at},
        {"DJOPS_EVENT": "health.degraded", "PRIORITY": 4, "MESSAGE": "b", "__REALTIME_TIMESTAMP": at},
    ]  # fmt: skip
    monkeypatch.setattr(status.journal, "recent", lambda p, prio, seconds, jobs=(): trouble)
    lines = [ln for ln in status.project(cfg).splitlines() if "x " in ln and " last " in ln]
    assert len(lines) == 2 and len({ln.index(" last ") for ln in lines}) == 1, lines


def test_a_long_project_name_widens_the_overview_column(monkeypatch):
    from djops.systemd import units

    fake_systemctl(monkeypatch)
    long = "a_project_with_a_long_name"
    monkeypatch.setattr(units, "enabled_projects", lambda: ["p", long])
    monkeypatch.setattr(status.lastruns, "problems", lambda ps, prio, s: dict.fromkeys(ps, 1))
    monkeypatch.setattr(status.health_state, "read", lambda p: {})
    lines = status.overview().splitlines()
    assert lines[0].startswith("p" + " " * len(long) + "watch ")
    assert lines[1].startswith(long + " watch ") and lines[1].endswith("; 1 problem in 24 h")


def test_the_health_rounds_age_reads_as_the_run_under_way_does(cfg):
    """A fresh view in seconds, a stale one in hours (not "10800s ago")."""
    state.save(cfg.name, {"updated": time.time() - 16, "checks": {}})
    assert "  health         checked 16 s ago (" in status.project(cfg)
    state.save(cfg.name, {"updated": time.time() - 3 * 3600, "checks": {}})
    assert "  health         checked 3 h ago (" in status.project(cfg)
