"""The job policy keys: alert_after holds the failure mail until N failures
in a row and mails once, a success after an alerted streak mails a recovery,
min_runtime_seconds logs job.too_fast, catch_up and timezone reach the timer."""

import pytest

from djops import config
from djops.errors import ConfigError
from djops.jobs import policy
from djops.mail import alerting
from djops.systemd import dropins, results


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


def test_failures_in_a_row_stop_at_the_newest_success_and_skip_the_judged_run():
    runs = [entry("job.failed", "now"), entry("job.interrupted"), entry("job.failed")]
    runs += [entry("job.done"), entry("job.failed")]
    assert results.streak(runs, "now") == 2
    assert results.streak(runs) == 3
    later = [entry("job.failed", "later"), *runs]
    assert results.streak(later, "now") == 2, "a run after the judged one does not count"
    assert results.streak([entry("clearsessions.failed"), entry("clearsessions.done")]) == 1


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


def test_a_success_after_an_alerted_streak_mails_a_recovery_once(cfg, monkeypatch, sent):
    mails = []
    from djops.mail import notices

    monkeypatch.setattr(notices, "send", lambda *a, **k: mails.append(a))
    fake_journal(monkeypatch, [entry("job.done", "ok")] + [entry("job.failed")] * 2)
    assert alerting.recovery(cfg, "index", "ok") == "" and not mails, "2 < alert_after: no alert"
    fake_journal(monkeypatch, [entry("job.done", "ok")] + [entry("job.failed")] * 3)
    assert "recovered" in alerting.recovery(cfg, "index", "ok")
    assert mails and "recovered" in mails[0][2]
    assert sent[-1][1]["DJOPS_EVENT"] == "job.recovered"
    fake_journal(monkeypatch, [entry("job.done", "ok2"), entry("job.done", "ok")])
    assert alerting.recovery(cfg, "index", "ok2") == "", "the next success says nothing"


def test_a_run_sooner_than_min_runtime_logs_too_fast(cfg, sent):
    assert "sooner" in policy.too_fast(cfg, "index", entry("job.done", DJOPS_DURATION="1.5"))
    assert sent[-1][1]["DJOPS_EVENT"] == "job.too_fast"
    assert sent[-1][1]["PRIORITY"] == "4"
    assert policy.too_fast(cfg, "index", entry("job.done", DJOPS_DURATION="9")) == ""
    assert policy.too_fast(cfg, "index", entry("job.failed", DJOPS_DURATION="1")) == ""
    assert policy.too_fast(cfg, "clearsessions", entry("clearsessions.done")) == "", "0 = off"


@pytest.mark.host("systemd-analyze")
def test_timezone_and_catch_up_reach_the_timers_and_the_root_step_the_services(cfg):
    got = dropins.contents(cfg)
    timer = got[f"djops-job@{cfg.name}:index.timer"]
    assert "OnCalendar=*:0/5 Europe/Berlin\n" in timer and "Persistent" not in timer
    cs = got[f"djops-clearsessions@{cfg.name}.timer"]
    assert "OnCalendar=daily\n" in cs and "Persistent=false\n" in cs
    after = f"ExecStopPost=-+/usr/bin/djops job --after {cfg.name}:"
    assert after + "index\n" in got[f"djops-job@{cfg.name}:index.service"]
    assert after + "clearsessions\n" in got[f"djops-clearsessions@{cfg.name}.service"]
    skip = f"ExecCondition=+/usr/bin/djops job --paused {cfg.name}:index\n"
    assert skip in got[f"djops-job@{cfg.name}:index.service"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("timezone", '"Mars/Olympus"', "an IANA time zone"),
        ("timezone", '"../../etc/passwd"', "an IANA time zone"),
        ("catch_up", '"twice"', '"once" or "none"'),
        ("alert_after", "0", "a positive whole number"),
        ("max_runtime_seconds", "-1", "a number, 0 or more"),
        ("start_grace_seconds", '"soon"', "a number, 0 or more"),
    ],
)
def test_a_bad_policy_key_names_file_key_and_expectation(project, confdir, key, value, expected):
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + f'[jobs.index]\ncommand = ["index"]\n{key} = {value}\n')
    with pytest.raises(ConfigError) as e:
        config.load(project, live=False)
    assert str(path) in str(e.value) and key in str(e.value) and expected in str(e.value)
