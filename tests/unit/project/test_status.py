"""`djops status`: one screen per project, from systemctl, the health state
and the journal (faked here; the e2e suite reads the real ones)."""

import time
from datetime import UTC, datetime

import pytest

from djops import config
from djops.health import state
from djops.project import status

SHOW = {
    "djops@p.target": {"ActiveState": "active", "UnitFileState": "enabled"},
    "djops-clearsessions@p.timer": {"NextElapseUSecRealtime": "Tue 2026-11-24 03:30:00 UTC"},
    "djops-heartbeat@p.timer": {"NextElapseUSecRealtime": "Tue 2026-11-24 00:02:00 UTC"},
    "djops-watch@p.service": {"ActiveState": "active", "StatusText": "watching 1 files"},
    "djops-health@p.service": {"ActiveState": "active", "StatusText": "service ok"},
}


@pytest.fixture
def cfg(project, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    monkeypatch.setattr(status.systemctl, "show", lambda unit, *props: SHOW.get(unit, {}))
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    trouble = [
        {"DJOPS_EVENT": "health.degraded", "PRIORITY": 4, "MESSAGE": "p: check http is failing", "__REALTIME_TIMESTAMP": at},
        {"DJOPS_EVENT": "health.degraded", "PRIORITY": 4, "MESSAGE": "p: check http is failing", "__REALTIME_TIMESTAMP": at},
        {"DJOPS_EVENT": "reload.rejected", "PRIORITY": 3, "MESSAGE": "rejected: SyntaxError", "__REALTIME_TIMESTAMP": at},
    ]  # fmt: skip
    monkeypatch.setattr(status.journal, "recent", lambda p, prio, seconds, jobs=(): trouble)
    monkeypatch.setattr(status.history.journal, "last_event", lambda *a, **k: None)
    return config.load(project, live=False)


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
    assert "watcher        active: watching 1 files" in text
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
    from djops.systemd import paused

    path = confdir / "p.toml"
    path.write_text(path.read_text() + '[jobs.index]\ncommand = ["index"]\n')
    cfg = config.load("p", live=False)
    paused.write("p", "clearsessions", None)
    paused.write("p", "index", time.time() + 3600)
    text = status.project(cfg)
    assert "  clearsessions  paused (until djops resume); last " in text, text
    assert "  job index      paused (until 20" in text, text
    paused.remove("p", "clearsessions")
    assert "  clearsessions  next Tue 2026-11-24 03:30:00 UTC; last " in status.project(cfg)
