"""The root step after each run (djops job --after): min_runtime_seconds
logs job.too_fast, a success after an alerted streak mails a recovery, on
every channel its failure reached (the healthchecks side:
tests/unit/channels/test_runpings.py); and what the policy keys add to the
units (djops.jobs.policy.timing) and how a bad one is refused."""

import pytest

from djops import config
from djops.channels import announce, mail, notify
from djops.errors import ConfigError
from djops.jobs.policy import after, alerting, pause_store
from djops.systemd import dropins, results

HC = "https://hc.example/ping/abc"


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


def fake_journal(monkeypatch, runs: list[dict]) -> None:
    monkeypatch.setattr(results, "newest", lambda p, job, limit: runs[:limit])


def test_a_success_after_an_alerted_streak_mails_a_recovery_once(cfg, monkeypatch, sent):
    mails = []
    from djops.mail import notices

    monkeypatch.setattr(notices, "send", lambda *a, **k: mails.append(a))
    fake_journal(monkeypatch, [entry("job.done", "ok")] + [entry("job.failed")] * 2)
    alerting.mark_failed(cfg.name, "index")  # what the failed runs' post steps did
    assert after.recovery(cfg, "index", "ok") == "" and not mails, "2 < alert_after: no alert"
    fake_journal(monkeypatch, [entry("job.done", "ok")] + [entry("job.failed")] * 3)
    alerting.mark_failed(cfg.name, "index")
    assert "recovered" in after.recovery(cfg, "index", "ok")
    assert mails and "recovered" in mails[0][2]
    assert sent[-1][1]["DJOPS_EVENT"] == "job.recovered"
    fake_journal(monkeypatch, [entry("job.done", "ok2"), entry("job.done", "ok")])
    assert after.recovery(cfg, "index", "ok2") == "", "the next success says nothing"


def test_a_success_after_a_success_reads_no_journal(cfg, monkeypatch, tmp_path):
    """Every run's post step: only a failed run since the last success (its
    mark, written by that run's post step) makes the next success read the
    journal for the streak."""
    monkeypatch.setattr(results, "newest", lambda *a: pytest.fail("the journal was read"))
    assert after.recovery(cfg, "index", "ok") == ""
    monkeypatch.setenv("SERVICE_RESULT", "exit-code")
    monkeypatch.setattr(after.verdict, "record", lambda unit: {})
    monkeypatch.setattr(after.verdict, "log", lambda p, name, shown: None)
    after.after(cfg, "index")  # a failed run's post step marks it
    assert alerting.failed_since_success(cfg.name, "index")
    read = []
    monkeypatch.setattr(results, "newest", lambda *a: read.append(a) or [])
    assert after.recovery(cfg, "index", "ok") == "" and read, "the next success reads it"
    assert not alerting.failed_since_success(cfg.name, "index"), "then the mark goes"


def test_a_run_sooner_than_min_runtime_logs_too_fast(cfg, sent):
    assert "sooner" in after.too_fast(cfg, "index", entry("job.done", DJOPS_DURATION="1.5"))
    assert sent[-1][1]["DJOPS_EVENT"] == "job.too_fast"
    assert sent[-1][1]["PRIORITY"] == "4"
    assert after.too_fast(cfg, "index", entry("job.done", DJOPS_DURATION="9")) == ""
    assert after.too_fast(cfg, "index", entry("job.failed", DJOPS_DURATION="1")) == ""
    assert after.too_fast(cfg, "clearsessions", entry("clearsessions.done")) == "", "0 = off"


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
    paused = pause_store.path(cfg.name, "index")
    skip = (
        f"ExecCondition=+/bin/sh -c 'test ! -e {paused} || "
        f"exec /usr/bin/djops job --paused {cfg.name}:index'\n"
    )
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


@pytest.fixture
def notify_cfg(project, confdir, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(mail, "kick", lambda: None)
    monkeypatch.setattr(notify.wake, "request", lambda kind, service: None)
    monkeypatch.setattr(notify.os.path, "isdir", lambda d: True)  # "under systemd": queue only
    with open(confdir / f"{project}.toml", "a") as f:
        f.write(
            '[notify]\nurls = ["json://a.example/x"]\n'
            f'[jobs.index]\ncommand = ["index"]\nschedule = "hourly"\nalert_after = 2\n'
            f'ping_url = "{HC}"\n'
        )
    return config.load(project, live=False)


def streak(monkeypatch, failures: int) -> None:
    runs = [{"DJOPS_EVENT": "job.done", "_SYSTEMD_INVOCATION_ID": "ok"}]
    runs += [{"DJOPS_EVENT": "job.failed", "_SYSTEMD_INVOCATION_ID": ""}] * failures
    monkeypatch.setattr(results, "newest", lambda p, job, limit: runs[:limit])


def test_the_recovery_goes_to_the_notify_urls_like_the_failure(notify_cfg, monkeypatch, sent):
    announce.announce(notify_cfg, "failure", "djops-job@p:index.service failed", "x")
    failure = (len(mail.pending()), len(notify.pending()))
    assert failure == (1, 1)
    streak(monkeypatch, 2)
    alerting.mark_failed(notify_cfg.name, "index")
    assert "recovered" in after.recovery(notify_cfg, "index", "ok")
    assert (len(mail.pending()), len(notify.pending())) == (2, 2), "each channel once more"
    assert sent[-1][1]["DJOPS_EVENT"] == "job.recovered"


def test_no_alert_no_recovery_on_any_channel(notify_cfg, monkeypatch, sent):
    streak(monkeypatch, 1)  # below alert_after = 2: nothing was alerted
    assert after.recovery(notify_cfg, "index", "ok") == ""
    assert mail.pending() == [] and notify.pending() == []


def test_root_logs_clearsessions_result_from_systemds_record(cfg, monkeypatch, sent):
    """Like a job's: the project's python runs in clearsessions' unit as the
    project user, so its result is root's post step's, with the rows its
    relay said."""
    from djops.jobs import verdict

    status = verdict.said_cleared({"rows": 4, "batches": 1}, 0, 0.5, False, "running it here")
    monkeypatch.setattr(after.verdict, "record", lambda unit: {"StatusText": status})
    monkeypatch.setenv("SERVICE_RESULT", "success")
    monkeypatch.setenv("EXIT_CODE", "exited")
    monkeypatch.setenv("EXIT_STATUS", "0")
    after.after(cfg, "clearsessions")
    [fields] = [f for _, f in sent if f["DJOPS_EVENT"] == "clearsessions.done"]
    assert fields["DJOPS_ROWS"] == "4" and fields["DJOPS_JOB"] == "clearsessions"
