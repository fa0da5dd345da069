"""The jobs check believes a skip (job.skipped: another host runs it) only
by when the database says a host last succeeded, and fails on a holder that
holds longer than the job's timeout_seconds."""

import time
from datetime import UTC, datetime

import pytest

from djops import config
from djops.health import on_time

# schedules as systemd itself computes them
pytestmark = pytest.mark.host("systemd-analyze")

DAY = 86400.0


@pytest.fixture
def cfg(project, confdir):
    path = confdir / f"{project}.toml"
    path.write_text(
        path.read_text() + '[jobs.index]\ncommand = ["index"]\nschedule = "daily"\n'
        "timeout_seconds = 3600\n"
    )
    return config.load(project, live=False)


def entry(event: str, ago: float, **fields) -> dict:
    at = datetime.fromtimestamp(time.time() - ago, UTC)
    return {"DJOPS_EVENT": event, "__REALTIME_TIMESTAMP": at, "DJOPS_JOB": "index", **fields}


def judge(monkeypatch, cfg, own: dict | None, skip: dict | None) -> tuple[bool, str]:
    on_time._last_done.clear()
    monkeypatch.setattr(on_time.lapses, "period", lambda schedule, floor=60.0: DAY)
    monkeypatch.setattr(on_time.systemctl, "show", lambda unit, *props: {p: "0" for p in props})

    def last_event(p, events, since_usec=0, job=None):
        return skip if events == ("job.skipped",) else own

    monkeypatch.setattr(on_time.journal, "last_event", last_event)
    return on_time.jobs(cfg)


old_done = entry("job.done", 3 * DAY)


def test_a_skip_without_a_known_success_is_no_run(monkeypatch, cfg):
    """Anyone holding the lock (or a claim from the future) makes every
    occurrence a skip: that must not look like runs for ever."""
    ok, detail = judge(monkeypatch, cfg, old_done, entry("job.skipped", 60, DJOPS_HOLDER="app2"))
    assert not ok, detail


def test_a_skip_counts_by_the_holders_last_success(monkeypatch, cfg):
    skip = entry("job.skipped", 60, DJOPS_HOLDER="app2", DJOPS_SUCCEEDED_AGO="600")
    assert judge(monkeypatch, cfg, old_done, skip)[0]
    stale = entry("job.skipped", 60, DJOPS_HOLDER="app2", DJOPS_SUCCEEDED_AGO=str(3 * DAY))
    assert not judge(monkeypatch, cfg, old_done, stale)[0]


def test_a_holder_holding_longer_than_the_timeout_fails(monkeypatch, cfg):
    skip = entry(
        "job.skipped", 60, DJOPS_HOLDER="app2", DJOPS_SUCCEEDED_AGO="600", DJOPS_HELD_FOR="7200"
    )
    ok, detail = judge(monkeypatch, cfg, old_done, skip)
    assert not ok and "app2 held the claim for 2 h" in detail and "timeout of 60 min" in detail
    # a run here since then: the holder is no longer the question
    assert judge(monkeypatch, cfg, entry("job.done", 10), skip)[0]
    fine = entry(
        "job.skipped", 60, DJOPS_HOLDER="app2", DJOPS_SUCCEEDED_AGO="600", DJOPS_HELD_FOR="30"
    )
    assert judge(monkeypatch, cfg, old_done, fine)[0]


def test_without_a_trusted_entry_pid1s_record_of_a_success_counts(monkeypatch, cfg):
    """An upgrade from a djops whose result entries were the unit's, not
    root's: those are not trusted now, and the check must not alert until
    the next run. systemd's own record of the last run (root's) still says."""
    exited = str(int((time.monotonic() - 3600) * 1e6))
    record = {"Result": "success", "ExecMainStatus": "0", "ExecMainExitTimestampMonotonic": exited}
    on_time._last_done.clear()
    monkeypatch.setattr(on_time.lapses, "period", lambda schedule, floor=60.0: DAY)
    monkeypatch.setattr(on_time.journal, "last_event", lambda *a, **k: None)
    monkeypatch.setattr(
        on_time.systemctl, "show", lambda unit, *props: {p: record.get(p, "0") for p in props}
    )
    ok, detail = on_time.clearsessions(cfg)
    assert ok and detail.startswith("last run 60 min ago"), detail
    record["Result"], record["ExecMainStatus"] = "exit-code", "1"
    on_time._last_done.clear()
    ok, detail = on_time.clearsessions(cfg)
    assert "no successful run yet" in detail, detail
