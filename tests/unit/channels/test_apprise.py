"""The Apprise channel: which kinds go out, redaction, one entry per URL and
message, in order per URL, a URL that is down holds back only its own."""

import pytest

from djops import config
from djops.channels import announce, apprise, mail, notifyqueue


@pytest.fixture
def cfg(project, confdir, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(mail, "kick", lambda: None)
    monkeypatch.setattr(apprise.wake, "request", lambda kind: None)
    monkeypatch.setattr(apprise.os.path, "isdir", lambda d: True)  # "under systemd": queue only
    (tmp_path / "etc-opt-p" / "settings.py").write_text(
        'SECRET_KEY = "planted-secret-value-1234"\n'
    )
    with open(confdir / "p.toml", "a") as f:
        f.write('[notify]\nurls = ["json://a.example/x", "ntfy://b.example/t"]\n')
    return config.load(project, live=False)


class Received(list):
    """What the fake Apprise delivered; URLs in `down` refuse."""

    down: set[str]


@pytest.fixture
def received(monkeypatch):
    got = Received()
    got.down = down = set()

    def deliver(url, title, body):
        if url in down:
            raise notifyqueue.DeliveryError("connection refused")
        got.append((url, title, body))

    monkeypatch.setattr(notifyqueue, "_deliver", deliver)
    return got


def test_an_alert_goes_to_every_url_once_with_no_secret(cfg, received):
    announce.announce(cfg, "alert", "ALERT http failing", "SECRET_KEY=planted-secret-value-1234")
    assert len(apprise.pending()) == 2 and len(mail.pending()) == 1
    assert notifyqueue.flush()[:2] == (2, 0)
    assert notifyqueue.flush()[:2] == (0, 0), "never twice"
    assert [u for u, _, _ in received] == ["json://a.example/x", "ntfy://b.example/t"]
    assert all("planted-secret" not in t + b for _, t, b in received)
    assert received[0][1].startswith("[djops] p@") and "ALERT http failing" in received[0][1]


def test_the_heartbeat_and_job_output_stay_mail(cfg, received):
    announce.announce(cfg, "heartbeat", "heartbeat", "all well")
    announce.announce(cfg, "job output", "job x output", "ok")
    assert apprise.pending() == [] and len(mail.pending()) == 2


def test_min_priority_above_an_alert_sends_neither_it_nor_its_recovery(cfg, confdir, received):
    with open(confdir / "p.toml", "a") as f:
        f.write('min_priority = "crit"\n')
    cfg = config.load("p", live=False)
    announce.announce(cfg, "alert", "ALERT", "x")
    announce.announce(cfg, "recovery", "recovered", "x")
    assert apprise.pending() == []


def test_a_url_that_is_down_holds_back_only_its_own_and_keeps_the_order(cfg, received, sent):
    received.down.add("json://a.example/x")
    announce.announce(cfg, "alert", "first", "1")
    announce.announce(cfg, "recovery", "second", "2")
    assert notifyqueue.flush()[:2] == (2, 2), "ntfy got both, json keeps both"
    assert notifyqueue.flush()[:2] == (0, 2), "backoff: not due yet"
    assert notifyqueue.flush()[:2] == (0, 2), "said once per message, not per pass"
    failed = [f for _, f in sent if f["DJOPS_EVENT"] == "notify.failed"]
    assert len(failed) == 2 and failed[0]["PRIORITY"] == "4", "once per undelivered message"
    assert "waits behind" in failed[1]["DJOPS_REASON"]
    assert failed[0]["DJOPS_URL"] == "json://a.example", "no path, no token"
    received.down.clear()
    for path in apprise.pending():  # the backoff has passed
        entry = notifyqueue._load(path)
        entry["next_try"] = 0
        apprise.safefs.write_json(path, entry)
    assert notifyqueue.flush()[:2] == (2, 0)
    json_titles = [t for u, t, _ in received if u.startswith("json")]
    assert [t.rsplit(": ", 1)[1] for t in json_titles] == ["first", "second"]
    assert len(received) == 4
    assert "p" in notifyqueue.last_delivered()


def test_without_apprise_nothing_is_lost(cfg, monkeypatch, sent):
    monkeypatch.setattr(apprise, "available", lambda: False)
    announce.announce(cfg, "failure", "x failed", "body")
    assert notifyqueue.flush()[:2] == (0, 2)
    [why] = {f["DJOPS_REASON"] for _, f in sent if f["DJOPS_EVENT"] == "notify.failed"}
    assert "python3-apprise is not installed" in why
    assert len(apprise.pending()) == 2


def test_bad_urls_are_one_config_line(project, confdir):
    from djops.errors import ConfigError

    with open(confdir / "p.toml", "a") as f:
        f.write('[notify]\nurls = ["not a url"]\n')
    with pytest.raises(ConfigError, match=r"\[notify\] urls: expected a list of Apprise URLs"):
        config.load(project, live=False)


def test_status_line_says_configured_last_delivered_waiting(cfg, received):
    assert notifyqueue.summary("p", []) == "none ([notify] urls is empty)"
    line = notifyqueue.summary("p", cfg.notify.urls)
    assert line.startswith("json://a.example, ntfy://b.example; last delivered never; 0 waiting")
    announce.announce(cfg, "alert", "a", "b")
    assert "; 2 waiting" in notifyqueue.summary("p", cfg.notify.urls)
    notifyqueue.flush()
    assert "last delivered never" not in notifyqueue.summary("p", cfg.notify.urls)


def test_check_fails_when_urls_are_set_without_apprise(cfg, monkeypatch):
    from djops.checklist import notify

    monkeypatch.setattr(apprise, "available", lambda: False)
    [missing, queued] = notify.items(cfg)
    assert missing.level == "fail" and "apt install apprise" in missing.text
    assert queued.level == "ok"
    monkeypatch.setattr(apprise, "available", lambda: True)
    assert notify.items(cfg)[0].level == "ok"
