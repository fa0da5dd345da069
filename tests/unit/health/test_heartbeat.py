"""The heartbeat report: the health service's state when fresh, a check of
its own when not, the last runs from the journal, the outbox."""

import time
from datetime import UTC, datetime

import pytest

from djops import config
from djops.health import heartbeat, probes, state
from djops.mail import notices


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

    monkeypatch.setattr(notices.journal, "last_event", fake_last)
    monkeypatch.setattr(probes, "enabled", lambda cfg: ["service", "disk"])
    monkeypatch.setattr(probes, "run", lambda name, cfg: (False, f"{name} probed now"))
    return config.load(project, live=False)


def test_fresh_state_is_reported_as_the_health_service_saw_it(cfg):
    checks = {"service": {"ok": True, "detail": "p.service active (running)"}}
    checks["disk"] = {"ok": False, "detail": "/var/opt/p: 0.1 GiB free (1%)"}
    state.save(cfg.name, {"updated": time.time(), "checks": checks})
    text = heartbeat.report(cfg)
    assert "  service        ok       p.service active (running)" in text
    assert "  disk           FAILING  /var/opt/p: 0.1 GiB free (1%)" in text
    assert "checked now" not in text
    assert "Last clearsessions: " in text and "done here (" in text and "): removed 7" in text
    assert "Last reload:        never (nothing in the journal)" in text
    assert "Mail outbox:        0 waiting" in text


def test_without_fresh_state_the_heartbeat_checks_by_itself(cfg):
    state.save(cfg.name, {"updated": time.time() - 3600, "checks": {}})
    text = heartbeat.report(cfg)
    assert "service        FAILING  service probed now" in text
    assert "(checked now: djops-health@p.service has no recent state)" in text


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
