"""A job's recovery reaches every channel its failure reached: the mail and
each [notify] url (Apprise). The healthchecks side: tests/unit/channels/test_runpings.py."""

import pytest

from djops import config
from djops.channels import announce, apprise, mail
from djops.mail import alerting
from djops.systemd import results

HC = "https://hc.example/ping/abc"


@pytest.fixture
def cfg(project, confdir, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(mail, "kick", lambda: None)
    monkeypatch.setattr(apprise.wake, "request", lambda kind: None)
    monkeypatch.setattr(apprise.os.path, "isdir", lambda d: True)  # "under systemd": queue only
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


def test_the_recovery_goes_to_the_notify_urls_like_the_failure(cfg, monkeypatch, sent):
    announce.announce(cfg, "failure", "djops-job@p:index.service failed", "x")
    failure = (len(mail.pending()), len(apprise.pending()))
    assert failure == (1, 1)
    streak(monkeypatch, 2)
    assert "recovered" in alerting.recovery(cfg, "index", "ok")
    assert (len(mail.pending()), len(apprise.pending())) == (2, 2), "each channel once more"
    assert sent[-1][1]["DJOPS_EVENT"] == "job.recovered"


def test_no_alert_no_recovery_on_any_channel(cfg, monkeypatch, sent):
    streak(monkeypatch, 1)  # below alert_after = 2: nothing was alerted
    assert alerting.recovery(cfg, "index", "ok") == ""
    assert mail.pending() == [] and apprise.pending() == []
