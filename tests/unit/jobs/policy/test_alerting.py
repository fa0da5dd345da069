"""alert_after holds the failure mail until N failures in a row and mails
it once per streak; djops.mail.failure asks before it mails."""

import pytest

from djops import config
from djops.jobs.policy import alerting
from djops.systemd import results


def entry(event: str, invocation: str = "", **fields) -> dict:
    return {"DJOPS_EVENT": event, "_SYSTEMD_INVOCATION_ID": invocation, **fields}


@pytest.fixture
def cfg(project, confdir):
    path = confdir / f"{project}.toml"
    path.write_text(
        path.read_text() + '[clearsessions]\nalert_after = 2\ncatch_up = "none"\n'
        '[jobs.index]\ncommand = ["index"]\nschedule = "*:0/5"\nalert_after = 3\n'
        'min_runtime_seconds = 5\ntimezone = "Europe/Berlin"\n'
    )
    return config.load(project, live=False)


@pytest.mark.parametrize(
    ("alert_after", "before", "mailed"),
    [(1, 0, True), (1, 5, True), (3, 0, False), (3, 1, False), (3, 2, True), (3, 3, False)],
)
def test_the_failure_mail_goes_every_time_at_1_else_once_at_the_threshold(
    alert_after, before, mailed
):
    assert alerting.mailed(alert_after, before) is mailed


def fake_journal(monkeypatch, runs: list[dict]) -> None:
    monkeypatch.setattr(results, "newest", lambda p, job, limit: runs[:limit])


def test_a_failure_below_alert_after_is_held_and_logged(cfg, monkeypatch, sent):
    unit = f"djops-job@{cfg.name}:index.service"
    fake_journal(monkeypatch, [entry("job.failed", "i2"), entry("job.done")])
    held = alerting.held(cfg, unit, "i2")
    assert "failure 1 in a row" in held and "alert_after = 3" in held
    assert sent[-1][1]["DJOPS_EVENT"] == "job.failing"
    fake_journal(monkeypatch, [entry("job.failed"), entry("job.failed"), entry("job.done")])
    assert alerting.held(cfg, unit, "i3") == "", "the third in a row is mailed"
    fake_journal(monkeypatch, [entry("job.failed")] * 3)
    assert alerting.held(cfg, unit, "i4"), "the fourth is not mailed again"


def test_clearsessions_has_its_own_alert_after(cfg, monkeypatch, sent):
    unit = f"djops-clearsessions@{cfg.name}.service"
    fake_journal(monkeypatch, [entry("clearsessions.failed")])
    assert alerting.held(cfg, unit, "x") == "", "alert_after = 2: the second failure is mailed"
    assert alerting.held(cfg, "other.service", "x") == "", "other units: always mailed"
