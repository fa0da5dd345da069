"""One table of channels: each is named as the user sees it (the flush verb,
the wake request, the delivering unit), delivers through its entry, names a
destination without showing a token, and a notice reaches every channel of
the table that carries notices, masked, whatever the channel."""

import dataclasses
from pathlib import Path

import pytest

from djops.channels import announce, fingerprint, mail, notify, pings, registry
from djops.cli import verbs
from djops.events import EVENTS
from djops.systemd import units


@pytest.fixture
def cfg(notify_cfg):
    return notify_cfg(["json://a.example/x"])


UNITS = Path(__file__).resolve().parents[3] / "units"


def test_each_channel_is_named_as_the_user_sees_it():
    assert list(registry.CHANNELS) == ["mail", "pings", "notify"]
    for name, channel in registry.CHANNELS.items():
        assert channel.name == name
        assert f"flush-{name}" in verbs.VERBS, "djops flush-NAME delivers it"
        assert (UNITS / channel.service).is_file(), "its delivering unit"
        assert all((UNITS / w).is_file() for w in channel.wakers), "the units that wake it"
        assert channel.failed in EVENTS, "its failure event, in the catalog"
        assert channel.queue.unreadable[0] == channel.failed


def test_the_lower_layers_lists_are_the_tables():
    """djops.systemd.units (rank 3) cannot import the channels (rank 4):
    its WAKERS, which djops enable turns on, are the registry's, in order;
    and the CLI keeps its flush verbs so that it starts without the channels."""
    wakers = tuple(w for c in registry.CHANNELS.values() for w in c.wakers)
    assert (units.MAILQUEUE, *units.WAKERS) == wakers
    flush = {v for v in verbs.VERBS if v.startswith("flush-")}
    assert flush == {f"flush-{name}" for name in registry.CHANNELS}


def test_a_new_channel_reaches_status_heartbeat_and_check(cfg, monkeypatch):
    """The consumers iterate the table: a channel added there alone is shown
    (by its own fingerprint, never whole), and its token URLs are judged."""
    token = "extra://s3cretTOKEN-abcdef"
    extra = registry.Channel(
        name="extra",
        label="extra",
        deliver=lambda: "",
        fingerprint=lambda url: "extra://…#beef",
        urls=lambda cfg: [token],
        summary=lambda cfg: "7 waiting",
        queue=notify.QUEUE,
        failed="notify.failed",
        service="djops-extra.service",
        wakers=(),
    )
    monkeypatch.setitem(registry.CHANNELS, "extra", extra)
    cfg = cfg._replace(notify=dataclasses.replace(cfg.notify, urls=[]))  # its URL alone
    assert ("extra", "extra://…#beef; 7 waiting") in registry.lines(cfg)
    assert registry.urls(cfg) == [token]
    from djops.checklist import channels
    from djops.health import heartbeat

    cfg.path.chmod(0o644)
    [readable] = [i for i in channels.items(cfg) if str(cfg.path) in i.text]
    assert readable.level == "warn"
    monkeypatch.setattr(heartbeat.probes, "enabled", lambda cfg: [])
    monkeypatch.setattr(heartbeat.lastruns, "last_run", lambda *a, **k: "never")
    monkeypatch.setattr(heartbeat.lastruns, "last_event", lambda *a, **k: "never")
    text = heartbeat.report(cfg)
    assert "Extra:              extra://…#beef; 7 waiting" in text and "s3cret" not in text


def test_flush_verbs_deliver_through_the_table(monkeypatch):
    monkeypatch.setitem(
        registry.CHANNELS, "pings", registry.get("pings")._replace(deliver=lambda: "1 ping sent")
    )
    assert registry.deliver("pings") == "1 ping sent"
    assert verbs.VERBS["flush-pings"].run(None) == "1 ping sent"


def test_each_entry_is_its_module():
    assert registry.get("pings") is pings.CHANNEL and pings.CHANNEL.deliver is pings.deliver
    assert registry.get("notify") is notify.CHANNEL and registry.get("mail") is mail.CHANNEL


def test_a_destination_is_named_by_its_fingerprint_never_whole():
    url = "ntfys://s3cr3tTOPICtoken"
    for name in ("pings", "notify"):
        assert registry.get(name).fingerprint(url) == fingerprint.label(url)
        assert "s3cr3t" not in registry.get(name).fingerprint(url)
    assert registry.get("mail").fingerprint("root\n") == "root"


def test_a_notice_reaches_every_channel_of_the_table_masked(cfg, monkeypatch):
    got = []
    extra = notify.CHANNEL._replace(name="extra", announce=lambda c, notice: got.append(notice))
    monkeypatch.setitem(registry.CHANNELS, "extra", extra)
    mails = []
    monkeypatch.setattr(mail, "send", lambda p, msg, prog: mails.append(msg))
    announce.announce(cfg, "alert", "ALERT x", "SECRET_KEY=planted-secret-value-1234", lines=["a"])
    assert len(mails) == 1 and len(notify.pending("p")) == 1
    (notice,) = got
    assert notice.kind == "alert" and notice.lines == ["a"]
    assert "planted-secret" not in notice.body
    assert notice.title == str(mails[0]["Subject"]), "the chat title is the mail's subject"


def test_pings_carry_no_notice(cfg, monkeypatch):
    assert registry.get("pings") not in registry.announcing()
    assert [c.name for c in registry.announcing()] == ["mail", "notify"]


def test_every_channel_is_delivered_by_the_one_drain():
    """A channel module tells the drain (djops.channels.drain) how to send one
    entry and its ordering rule; it keeps no loop, lock, backoff or give-up
    of its own, so a new channel is that module and one line here."""
    import inspect
    import sys

    from djops.channels import drain

    for name, channel in registry.CHANNELS.items():
        assert isinstance(channel.queue, drain.Drain), name
        module = sys.modules[channel.deliver.__module__]
        code = inspect.getsource(module)
        for own in ("locked(", "postpone(", "sleep(", "expired(", "while True"):
            assert own not in code, f"{module.__name__} has its own {own}"
