"""The Apprise channel: which kinds go out, redaction, one entry per URL and
message, in order per URL, a URL that is down holds back only its own; chat
notices are short and typed by severity, a URL is never shown whole, and
the queue gives up loudly."""

import dataclasses
import http.client
import os
import time

import pytest

from djops import config
from djops.channels import (
    announce,
    apprise,
    chat,
    drain,
    fingerprint,
    mail,
    notify,
    queue,
    registry,
)


@pytest.fixture
def cfg(notify_cfg):
    return notify_cfg(["json://a.example/x", "ntfy://b.example/t"])


class Received(list):
    """What the fake Apprise delivered; URLs in `down` refuse."""

    down: set[str]


@pytest.fixture
def received(monkeypatch):
    got = Received()
    got.down = down = set()
    got.types = []

    def deliver(url, title, body, kind_type="info"):
        if url in down:
            raise apprise.DeliveryError("connection refused")
        got.append((url, title, body))
        got.types.append(kind_type)

    monkeypatch.setattr(apprise, "deliver", deliver)
    return got


def test_an_alert_goes_to_every_url_once_with_no_secret(cfg, received):
    announce.announce(cfg, "alert", "ALERT http failing", "SECRET_KEY=planted-secret-value-1234")
    assert len(notify.pending()) == 2 and len(mail.pending()) == 1
    assert notify.flush()[:2] == (2, 0)
    assert notify.flush()[:2] == (0, 0), "never twice"
    assert [u for u, _, _ in received] == ["json://a.example/x", "ntfy://b.example/t"]
    assert all("planted-secret" not in t + b for _, t, b in received)
    assert received[0][1].startswith("[djops] p@") and "ALERT http failing" in received[0][1]


def test_the_heartbeat_and_job_output_stay_mail(cfg, received):
    announce.announce(cfg, "heartbeat", "heartbeat", "all well")
    announce.announce(cfg, "job output", "job x output", "ok")
    assert notify.pending() == [] and len(mail.pending()) == 2


def test_the_heartbeat_goes_to_chat_at_min_priority_info_typed_info(cfg, confdir, received):
    with open(confdir / "p.toml", "a") as f:
        f.write('min_priority = "info"\n')
    cfg = config.load("p", live=False)
    announce.announce(cfg, "heartbeat", "heartbeat", "Heartbeat of p.\n\nall well")
    announce.announce(cfg, "job output", "job x output", "ok")
    notify.flush()
    assert received.types == ["info", "info"] and len(received) == 2
    assert received[0][2] == "Heartbeat of p.", "the body's first line"


def test_min_priority_above_an_alert_sends_neither_it_nor_its_recovery(cfg, confdir, received):
    with open(confdir / "p.toml", "a") as f:
        f.write('min_priority = "crit"\n')
    cfg = config.load("p", live=False)
    announce.announce(cfg, "alert", "ALERT", "x")
    announce.announce(cfg, "recovery", "recovered", "x")
    assert notify.pending() == []


def test_a_url_that_is_down_holds_back_only_its_own_and_keeps_the_order(cfg, received, sent):
    received.down.add("json://a.example/x")
    announce.announce(cfg, "alert", "first", "1")
    announce.announce(cfg, "recovery", "second", "2")
    assert notify.flush()[:2] == (2, 2), "ntfy got both, json keeps both"
    assert notify.flush()[:2] == (0, 2), "backoff: not due yet"
    assert notify.flush()[:2] == (0, 2), "said once per message, not per pass"
    failed = [f for _, f in sent if f["DJOPS_EVENT"] == "notify.failed"]
    assert len(failed) == 2 and failed[0]["PRIORITY"] == "4", "once per undelivered message"
    assert "waits behind" in failed[1]["DJOPS_REASON"]
    assert failed[0]["DJOPS_URL"] == fingerprint.label("json://a.example/x")
    assert failed[0]["DJOPS_URL"].startswith("json://…#"), "no host, no path, no token"
    received.down.clear()
    drain._seen.clear()  # what follows is another process's doing
    for path in notify.pending():  # the backoff has passed
        entry = queue.load(path, notify.QUEUE.fields)
        entry["next_try"] = 0
        notify.safefs.write_json(path, entry)
    assert notify.flush()[:2] == (2, 0)
    json_titles = [t for u, t, _ in received if u.startswith("json")]
    assert [t.rsplit(": ", 1)[1] for t in json_titles] == ["first", "second"]
    assert len(received) == 4
    assert "p" in notify.last_delivered()


def test_without_apprise_nothing_is_lost(cfg, monkeypatch, sent):
    monkeypatch.setattr(apprise, "available", lambda: False)
    announce.announce(cfg, "failure", "x failed", "body")
    assert notify.flush()[:2] == (0, 2)
    [why] = {f["DJOPS_REASON"] for _, f in sent if f["DJOPS_EVENT"] == "notify.failed"}
    assert "Apprise is not installed (apt install apprise)" in why
    assert len(notify.pending()) == 2


def test_bad_urls_are_one_config_line(project, confdir):
    from djops.errors import ConfigError

    with open(confdir / "p.toml", "a") as f:
        f.write('[notify]\nurls = ["not a url"]\n')
    with pytest.raises(ConfigError, match=r"\[notify\] urls: expected a list of Apprise URLs"):
        config.load(project, live=False)


@pytest.mark.parametrize(
    "section, key, value",
    [
        ("notify", "urls", '["pbul://o.tok3nVALUE9 x"]'),
        ("notify", "urls", '"pbul://o.tok3nVALUE9"'),
        ("health", "ping_url", '"ftp://o.tok3nVALUE9/x"'),
        ("clearsessions", "ping_url", '"https://hc-ping.com/o.tok3nVALUE9 x"'),
    ],
)
def test_a_bad_channel_url_is_named_by_file_and_key_never_quoted(
    project, confdir, section, key, value
):
    from djops.errors import ConfigError

    with open(confdir / "p.toml", "a") as f:
        f.write(f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as e:
        config.load(project, live=False)
    text = str(e.value)
    assert "tok3nVALUE9" not in text and "p.toml" in text and f"[{section}] {key}" in text
    assert "expected" in text and "not quoted" in text


def test_status_line_says_configured_last_delivered_waiting(cfg, received):
    def line():
        return registry.shown(notify.CHANNEL, cfg)

    empty = cfg._replace(notify=dataclasses.replace(cfg.notify, urls=[]))
    assert registry.shown(notify.CHANNEL, empty) == "none ([notify] urls is empty)"
    a, b = (fingerprint.label(u) for u in cfg.notify.urls)
    assert line().startswith(f"{a}, {b}; last delivered never; 0 waiting")
    assert "a.example" not in line() and "b.example" not in line()
    announce.announce(cfg, "alert", "a", "b")
    assert "; 2 waiting" in line()
    notify.flush()
    assert "last delivered never" not in line()


def test_check_fails_when_urls_are_set_without_apprise(cfg, monkeypatch):
    from djops.checklist import channels

    monkeypatch.setattr(apprise, "available", lambda: False)
    [missing, queued] = channels.items(cfg)[-2:]
    assert missing.level == "fail" and "apt install apprise" in missing.text
    assert queued.level == "ok"
    monkeypatch.setattr(apprise, "available", lambda: True)
    assert channels.items(cfg)[-2].level == "ok"


def test_enable_says_apt_install_apprise_in_one_line(cfg, monkeypatch):
    from djops.project import enable

    monkeypatch.setattr(apprise, "available", lambda: False)
    assert enable._missing(cfg) == (
        "\nwarning: [notify] urls: 2 set, but Apprise is missing: apt install apprise "
        "(the notifications wait in /var/lib/djops/notify/ until then)"
    )
    monkeypatch.setattr(apprise, "available", lambda: True)
    assert enable._missing(cfg) == ""


def test_check_warns_when_a_config_with_channel_urls_is_readable_by_others(cfg):
    from djops.checklist import channels

    cfg.path.chmod(0o644)
    [readable] = [i for i in channels.items(cfg) if str(cfg.path) in i.text]
    assert readable.level == "warn" and f"chmod 0640 {cfg.path}" in readable.text
    cfg.path.chmod(0o604)
    [readable] = [i for i in channels.items(cfg) if str(cfg.path) in i.text]
    assert f"chmod 0600 {cfg.path}" in readable.text
    cfg.path.chmod(0o640)
    [readable] = [i for i in channels.items(cfg) if str(cfg.path) in i.text]
    assert readable.level == "ok"


def test_a_config_without_channel_urls_is_not_judged(project, confdir):
    from djops.checklist import channels

    cfg = config.load(project, live=False)
    cfg.path.chmod(0o644)
    assert channels.items(cfg) == []
    with open(confdir / "p.toml", "a") as f:
        f.write('[jobs.x]\ncommand = ["x"]\nping_url = "https://hc-ping.com/abc"\n')
    cfg = config.load(project, live=False)
    [readable] = channels.items(cfg)
    assert readable.level == "warn" and "chmod 0640" in readable.text


def test_a_chat_notice_is_the_title_and_at_most_five_short_lines(cfg, received):
    long_body = "\n".join(f"status line {i}" for i in range(40))
    lines = ["what", "since", "cause " + "x" * 1000, "more", "a sixth", "a seventh"]
    announce.announce(cfg, "failure", "u failed", long_body, lines=lines)
    notify.flush()
    [(_, title, body)] = [r for r in received if r[0].startswith("json")]
    assert title.startswith("[djops] p@") and title.endswith(": u failed")
    assert body.split("\n")[:2] == ["what", "since"] and len(body.split("\n")) == 5
    assert all(len(ln) <= chat.MAX_LINE for ln in body.split("\n"))
    [kept] = mail.pending()
    assert "status line 39" in mail.safefs.read_json(kept)["message"], "the mail keeps it all"


def incident(kind, checks, detail, failures=3):
    from djops.health.incident import Step
    from djops.health.ladder import Step as LadderStep

    event = "health.recovered" if kind == "recovery" else "health.alert"
    return Step(LadderStep(event, mail=kind), "X1", checks, checks[0], detail, failures, 0.0)


def test_notify_types_follow_severity(cfg, received):
    from djops.mail import notices

    def mail(kind, checks, detail):
        s = incident(kind, checks, detail)
        notices.incident_mail(cfg, s, notices.incident_line("p", s), "")

    mail("alert", ("service",), "service: dead")
    mail("recovery", ("service",), "all checks pass again")
    notices.send(cfg, "failure", "djops-job@p:x.service failed", "body")
    slow = "jobs: x: running for 90s, longer than max_runtime_seconds = 60"
    mail("alert", ("jobs",), slow)
    missed = "jobs: x: the occurrence due at 03:00 has not started (9s past its start grace of 6s)"
    mail("reminder", ("jobs",), missed)
    both = "jobs: x: 3 failed runs in a row; y: running for 90s, longer than max_runtime_seconds = 60"  # fmt: skip
    mail("alert", ("jobs",), both)
    notify.flush()
    json_types = [t for (u, _, _), t in zip(received, received.types, strict=True) if "json" in u]
    assert json_types == ["failure", "success", "failure", "warning", "warning", "failure"]


def test_a_health_alert_in_chat_says_what_since_cause_and_more(cfg, received):
    from djops.mail import notices

    s = incident("alert", ("http",), "http: HTTP 502 from http://127.0.0.1:8000/")
    notices.incident_mail(cfg, s, notices.incident_line("p", s), "http FAILING x3")
    notify.flush()
    body = received[0][2].split("\n")
    assert body[0] == "Check http of p is failing (3 checks in a row)."
    assert (
        body[1].startswith("Since about ")
        and body[2] == "Cause: http: HTTP 502 from http://127.0.0.1:8000/"
    )
    assert body[3] == "More: journalctl DJOPS_PROJECT=p DJOPS_INCIDENT=X1" and len(body) == 4


def test_a_token_url_is_never_shown(project, confdir, tmp_path, monkeypatch, received, sent):
    token = "o.Zk3TOKENtoken1234567890abcdef"
    url = f"pbul://{token}/#channel"
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(mail, "kick", lambda: None)
    monkeypatch.setattr(notify.wake, "request", lambda kind, service: None)
    monkeypatch.setattr(notify.os.path, "isdir", lambda d: True)
    with open(confdir / "p.toml", "a") as f:
        f.write(f'[notify]\nurls = ["{url}"]\n')
    cfg = config.load(project, live=False)
    received.down.add(url)
    announce.announce(cfg, "alert", "ALERT x failing", "body")
    notify.flush()
    monkeypatch.setattr(apprise, "available", lambda: True)
    monkeypatch.setattr(apprise, "deliver", apprise.__dict__["deliver"])
    shown = [registry.shown(notify.CHANNEL, cfg)]
    shown += [m + repr(f) for m, f in sent]
    assert fingerprint.label(url) in shown[0] and all(token not in s for s in shown), shown
    [fields] = [f for _, f in sent if f.get("DJOPS_EVENT") == "notify.failed"]
    assert fields["DJOPS_URL"] == fingerprint.label(url), "the journal half looked at one"


def test_an_apprise_url_apprise_refuses_is_named_by_its_label(monkeypatch):
    pytest.importorskip("apprise")
    with pytest.raises(apprise.DeliveryError) as e:
        apprise.deliver("nosuchscheme://t0kenVALUE123/x", "t", "b")
    assert "t0kenVALUE123" not in str(e.value) and "nosuchscheme://…#" in str(e.value)


def _age(path, seconds):
    """Rename a queue entry as if it had been put `seconds` ago."""
    stamp = time.time_ns() - int(seconds * 1e9)
    new = path.with_name(f"{stamp:020d}-{path.name.split('-', 1)[1]}")
    os.replace(path, new)
    return new


def test_a_notice_undelivered_for_a_day_is_dropped_loudly(cfg, received, sent):
    received.down.add("json://a.example/x")
    announce.announce(cfg, "alert", "first", "1")
    announce.announce(cfg, "recovery", "second", "2")
    notify.flush()
    for path in notify.pending():
        _age(path, queue.GIVE_UP + 60)
    mailed = len(mail.pending())
    assert notify.flush()[:2] == (0, 0), "json gave up both; ntfy had them already"
    assert notify.pending() == []
    [(message, fields)] = [(m, f) for m, f in sent if f["DJOPS_EVENT"] == "notify.dropped"]
    assert fields["PRIORITY"] == "2" and fields["DJOPS_COUNT"] == "2"
    assert fields["DJOPS_URL"] == fingerprint.label("json://a.example/x")
    assert "undelivered for 24 h" in message and "a.example" not in message
    [dropped_mail] = mail.pending()[mailed:]
    text = mail.safefs.read_json(dropped_mail)["message"]
    assert "DROPPED 2 notifications" in text and "first" in text and "a.example" not in text


def test_the_give_up_time_can_be_shortened_for_tests_only_by_the_environment(monkeypatch):
    assert queue.give_up() == 24 * 3600
    monkeypatch.setenv(queue.GIVE_UP_ENV, "20")
    assert queue.give_up() == 20
    monkeypatch.setenv(queue.GIVE_UP_ENV, "nonsense")
    assert queue.give_up() == 24 * 3600


def test_a_queue_past_its_bound_drops_the_oldest_loudly(cfg, received, sent, monkeypatch):
    monkeypatch.setattr(queue, "MAX_ENTRIES", 3)
    received.down.update(cfg.notify.urls)
    for i in range(3):
        announce.announce(cfg, "alert", f"n{i}", "x")
    assert len(notify.pending()) == 6
    notify.flush()
    assert len(notify.pending()) == 3
    drops = [f for _, f in sent if f["DJOPS_EVENT"] == "notify.dropped"]
    assert sorted(f["DJOPS_COUNT"] for f in drops) == ["1", "2"]
    assert all("more than 3 notifications" in f["DJOPS_REASON"] for f in drops)


def test_a_pass_reads_only_what_is_new_or_due(cfg, received, sent, monkeypatch):
    received.down.add("json://a.example/x")
    for i in range(5):
        announce.announce(cfg, "alert", f"n{i}", "x")
    notify.flush()
    reads = []
    real = queue.load
    monkeypatch.setattr(
        queue, "load", lambda path, fields: reads.append(path) or real(path, fields)
    )
    delivered, waiting, wait = notify.flush()
    assert (delivered, waiting) == (0, 5) and wait > 20, "no spinning behind a URL that is down"
    assert reads == [], "nothing due, nothing new: nothing read"
    before = {p.name for p in notify.pending()}
    announce.announce(cfg, "alert", "n5", "x")
    notify.flush()
    assert reads and not {p.name for p in reads} & before, "only the new entries are read"


@pytest.mark.parametrize(
    "error",
    [
        http.client.RemoteDisconnected,
        ValueError,  # a malformed answer (json.JSONDecodeError is one)
        KeyError,
        RuntimeError,
    ],
)
def test_whatever_apprise_raises_keeps_the_notice_and_says_so(cfg, monkeypatch, sent, error):
    """Each Apprise plugin raises its own: none crashes the drain, nothing is
    lost, notify.failed says it without the URL the error quotes."""
    import sys
    import types

    class Failing:
        def add(self, url):
            self.url = url
            return True

        def notify(self, **kwargs):
            raise error(f"bad answer from {self.url}")

    fake = types.SimpleNamespace(Apprise=Failing)
    monkeypatch.setitem(sys.modules, "apprise", fake)
    monkeypatch.setattr(apprise, "available", lambda: True)
    announce.announce(cfg, "alert", "ALERT x failing", "body")
    assert notify.flush()[:2] == (0, 2)
    assert len(notify.pending("p")) == 2, "nothing lost"
    failed = [(m, f) for m, f in sent if f.get("DJOPS_EVENT") == "notify.failed"]
    assert len(failed) == 2
    for message, fields in failed:
        assert error.__name__ in fields["DJOPS_REASON"]
        assert "a.example" not in message + repr(fields) and "b.example" not in message
