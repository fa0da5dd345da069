"""The heartbeat report: the checks run for it, a word when the health
service has stopped checking, the last runs from the journal, the outbox."""

import time
from datetime import UTC, datetime

import pytest

from djops import config
from djops.health import heartbeat, probes, state
from djops.systemd import lastruns


@pytest.fixture
def cfg(project, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    stamp = datetime(2026, 11, 22, 4, 36, tzinfo=UTC)
    last = {
        "clearsessions.done": {"DJOPS_EVENT": "clearsessions.done", "MESSAGE": "removed 7"},
    }

    def fake_last(p, events, since_usec=0, job=None):
        if job == "mail" and "job.failed" in events:
            return {"DJOPS_EVENT": "job.failed", "MESSAGE": "exit 4", "__REALTIME_TIMESTAMP": stamp}
        if job == "index" and events == ("job.skipped",):  # later than its own last run
            later = stamp.replace(hour=5)
            return {
                "DJOPS_EVENT": "job.skipped",
                "DJOPS_HOLDER": "app2",
                "__REALTIME_TIMESTAMP": later,
            }
        for ev in events:
            if ev in last and job is None:
                return {**last[ev], "__REALTIME_TIMESTAMP": stamp}
        return None

    monkeypatch.setattr(lastruns.journal, "last_event", fake_last)
    monkeypatch.setattr(probes, "enabled", lambda cfg: ["service", "disk"])
    monkeypatch.setattr(probes, "run", lambda name, cfg: (False, f"{name} probed now"))
    return config.load(project, live=False)


def test_the_checks_are_run_for_the_report_not_taken_from_the_last_round(cfg, monkeypatch):
    """Issue 19.7: the health service's round before a clearsessions run said
    "no successful run yet"; the heartbeat mailed right after the run must not
    say so above "Last clearsessions: ... done"."""
    checks = {"service": {"ok": True, "detail": "p.service active (running)"}}
    checks["clearsessions"] = {"ok": True, "detail": "no successful run yet (timer active 0 min)"}
    state.save(cfg.name, {"updated": time.time(), "checks": checks})
    monkeypatch.setattr(probes, "enabled", lambda cfg: ["service", "clearsessions"])
    now = {
        "service": (False, "p.service failed (failed)"),
        "clearsessions": (True, "last run 0 min ago"),
    }
    monkeypatch.setattr(probes, "run", lambda name, cfg: now[name])
    text = heartbeat.report(cfg)
    assert "Health checks (run now):" in text
    assert "  service        FAILING  p.service failed (failed)" in text
    assert "  clearsessions  ok       last run 0 min ago" in text
    assert "no successful run yet" not in text
    assert "has not checked" not in text, "the health service keeps up"
    assert "Last clearsessions: " in text and "done here (" in text and "): removed 7" in text
    assert "Last reload:        never (nothing in the journal)" in text
    assert "Mail outbox:        0 waiting" in text


def test_a_health_service_that_stopped_checking_is_said(cfg):
    state.save(cfg.name, {"updated": time.time() - 3600, "checks": {}})
    text = heartbeat.report(cfg)
    assert "service        FAILING  service probed now" in text
    assert "(djops-health.service has not checked since " in text
    state.path(cfg.name).unlink()
    assert "(djops-health.service has not checked yet)" in heartbeat.report(cfg)


def test_each_job_has_its_last_run(cfg, confdir):
    path = confdir / f"{cfg.name}.toml"
    path.write_text(path.read_text() + '[jobs.mail]\ncommand = ["send_queued_mail"]\n')
    text = heartbeat.report(config.load(cfg.name, live=False))
    assert "Last job mail: 2026-11-22 " in text and "failed here (" in text and "exit 4" in text


def test_a_job_another_host_ran_last_names_that_host(cfg, confdir):
    path = confdir / f"{cfg.name}.toml"
    path.write_text(path.read_text() + '[jobs.index]\ncommand = ["update_index"]\n')
    text = heartbeat.report(config.load(cfg.name, live=False))
    assert "Last job index: 2026-11-22 " in text and " on app2: " in text


def test_a_paused_clearsessions_says_so_like_a_paused_job(cfg):
    from djops.jobs.policy import pause_store

    pause_store.write(cfg.name, "clearsessions", None)
    text = heartbeat.report(cfg)
    assert "Last clearsessions: " in text and "; paused (until djops resume)\n" in text, text
    pause_store.remove(cfg.name, "clearsessions")
    assert "paused" not in heartbeat.report(cfg)


def test_the_channels_are_shown_by_fingerprint_never_whole(cfg, confdir):
    """For many Apprise schemes the host is the token (pbul://, ntfys://), and
    a ping URL is one: the heartbeat mail names each by its label only."""
    from djops.channels import fingerprint

    pbul, ntfy = "pbul://o.Zk3TOKENtoken1234567890", "ntfys://s3cretTOPIC-abcdef"
    ping = "https://hc-ping.example/s3cretUUID-0123-4567"
    path = confdir / f"{cfg.name}.toml"
    path.write_text(
        path.read_text() + f'[notify]\nurls = ["{pbul}", "{ntfy}"]\n[health]\nping_url = "{ping}"\n'
    )
    text = heartbeat.report(config.load(cfg.name, live=False))
    assert f"{fingerprint.label(pbul)}, {fingerprint.label(ntfy)}" in text
    for token in ("TOKENtoken", "s3cretTOPIC", "s3cretUUID", "hc-ping.example"):
        assert token not in text, token
