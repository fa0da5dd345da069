"""Whether this host runs an occurrence: only timer runs claim; a skip is one
notice naming the holder and a STATUS= its root steps can read; a claim that
cannot be made fails the run rather than running it twice."""

import contextlib

import pytest

from djops import config
from djops.errors import OperationError
from djops.jobs import claim, once
from djops.systemd import sd_notify


@pytest.fixture
def cfg(project):
    return config.load(project, live=False)


@pytest.fixture
def notified(monkeypatch):
    states: list[str] = []
    monkeypatch.setattr(sd_notify.Notifier, "send", lambda self, s: states.append(s))
    return states


def fake_claims(monkeypatch, decision: dict) -> list[tuple]:
    asked: list[tuple] = []

    @contextlib.contextmanager
    def hold(cfg, job, host, window):
        asked.append((job, window))
        yield claim.Held(None, decision)

    monkeypatch.setattr(once.claim, "hold", hold)
    monkeypatch.setattr(once.oncalendar, "period", lambda s, floor: 86400.0)
    return asked


@pytest.mark.parametrize(
    "trigger, once_, schedule, wanted",
    [
        ("djops-job@p:x.timer", True, "daily", True),
        ("", True, "daily", False),  # `djops run`: here, now
        ("djops-job@p:x.timer", False, "daily", False),
        ("djops-job@p:x.timer", True, "@reboot", False),  # every host boots for itself
    ],
)
def test_only_a_timers_run_of_a_once_job_claims(monkeypatch, trigger, once_, schedule, wanted):
    monkeypatch.setenv("TRIGGER_UNIT", trigger)
    assert once.wanted(once_, schedule) is wanted


def test_a_claimed_run_is_ready_and_runs(cfg, monkeypatch, notified, sent):
    monkeypatch.setenv("TRIGGER_UNIT", "djops-job@p:index.timer")
    asked = fake_claims(monkeypatch, {"run": True, "started": 1.0})
    with once.turn(cfg, "index", "daily", True) as turn:
        assert turn.run
    assert asked == [("p:index", 43200.0)]
    assert notified[0].startswith("READY=1\nSTATUS=claimed this occurrence")


def test_a_skip_names_the_holder_in_the_journal_and_the_status(cfg, monkeypatch, notified, sent):
    monkeypatch.setenv("TRIGGER_UNIT", "djops-job@p:index.timer")
    fake_claims(monkeypatch, {"run": False, "holder": "app2", "running": False, "ago": 95.2})
    with once.turn(cfg, "index", "daily", True) as turn:
        assert not turn.run
    assert turn.text == "job index of p skipped: app2 ran it (started 95 s ago)"
    [(_, f)] = [(m, f) for m, f in sent if f.get("DJOPS_EVENT") == "job.skipped"]
    assert f["DJOPS_HOLDER"] == "app2" and f["DJOPS_JOB"] == "index" and f["PRIORITY"] == "5"
    assert notified == [f"READY=1\nSTATUS={sd_notify.SKIPPED}app2 ran it"]


def test_a_skip_for_a_run_under_way_says_when_it_started(cfg, monkeypatch, notified, sent):
    monkeypatch.setenv("TRIGGER_UNIT", "djops-job@p:index.timer")
    fake_claims(monkeypatch, {"run": False, "holder": "app2", "running": True, "ago": 2.4})
    with once.turn(cfg, "index", "daily", True) as turn:
        assert not turn.run
    assert turn.text == "job index of p skipped: app2 is running it (started 2.4 s ago)"


def test_no_claim_no_run(cfg, monkeypatch, notified, sent):
    monkeypatch.setenv("TRIGGER_UNIT", "djops-clearsessions@p.timer")
    fake_claims(monkeypatch, {"error": 'the postgresql database "p" cannot be reached: refused'})
    with (
        pytest.raises(OperationError, match="could not claim this occurrence"),
        once.turn(cfg, "clearsessions", "daily", True, "clearsessions.failed"),
    ):
        pytest.fail("ran without a claim")
    [(_, f)] = [(m, f) for m, f in sent if f.get("DJOPS_EVENT") == "clearsessions.failed"]
    assert "cannot be reached" in f["DJOPS_REASON"]
    assert notified == [], "never READY: the unit fails and mails"


def test_a_holder_name_from_the_database_cannot_drive_a_terminal(cfg, monkeypatch, notified, sent):
    monkeypatch.setenv("TRIGGER_UNIT", "djops-job@p:index.timer")
    fake_claims(monkeypatch, {"run": False, "holder": "app2\x1b]0;pwned\x07", "running": True})
    with once.turn(cfg, "index", "daily", True) as turn:
        assert not turn.run
    [(_, f)] = [(m, f) for m, f in sent if f.get("DJOPS_EVENT") == "job.skipped"]
    assert "\x1b" not in f["DJOPS_HOLDER"] and "\x07" not in turn.text


def test_a_skip_carries_what_health_judges_it_by(cfg, monkeypatch, notified, sent):
    monkeypatch.setenv("TRIGGER_UNIT", "djops-job@p:index.timer")
    decision = {"run": False, "holder": "app2", "running": True, "ago": 5.0}
    fake_claims(monkeypatch, {**decision, "held_for": 5.0, "succeeded_ago": 86000.5})
    with once.turn(cfg, "index", "daily", True):
        pass
    [f] = [f for m, f in sent if f.get("DJOPS_EVENT") == "job.skipped"]
    assert f["DJOPS_HELD_FOR"] == "5.0" and f["DJOPS_SUCCEEDED_AGO"] == "86000.5"


def test_a_claims_error_reaches_the_journal_escaped(cfg, monkeypatch, notified, sent):
    monkeypatch.setenv("TRIGGER_UNIT", "djops-job@p:index.timer")
    fake_claims(monkeypatch, {"error": "refused\x1b]0;pwned\x07\r\nforged line"})
    with pytest.raises(OperationError) as e, once.turn(cfg, "index", "daily", True):
        pass
    [(m, f)] = [(m, f) for m, f in sent if f.get("DJOPS_EVENT") == "job.failed"]
    for text in (m, f["DJOPS_REASON"], str(e.value)):
        assert "\x1b" not in text and "\r" not in text and "\n" not in text, text


def test_a_schedule_edited_into_nonsense_since_enable_is_one_config_line(
    cfg, monkeypatch, notified
):
    """The run's load trusts what enable checked; where the run itself needs
    the schedule read (the claim's window), nonsense is a config error."""
    from calendars import fake

    from djops.errors import ConfigError

    fake(monkeypatch)
    monkeypatch.setenv("TRIGGER_UNIT", "djops-job@p:index.timer")
    expected = r"p.toml: \[jobs.index\] schedule: expected a systemd"
    with pytest.raises(ConfigError, match=expected), once.turn(cfg, "index", "never", True):
        pass
