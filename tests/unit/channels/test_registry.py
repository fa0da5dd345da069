"""One table of channels: each is named as the user sees it (the flush verb,
the wake request, the delivering unit), delivers through its entry, names a
destination without showing a token, and a notice reaches every channel of
the table that carries notices, masked, whatever the channel."""

import pytest

from djops import cli, config
from djops.channels import announce, fingerprint, mail, notify, pings, registry
from djops.systemd import wake


@pytest.fixture
def cfg(project, confdir, tmp_path, monkeypatch):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(mail, "kick", lambda: None)
    monkeypatch.setattr(notify.wake, "request", lambda kind: None)
    monkeypatch.setattr(notify.os.path, "isdir", lambda d: True)  # "under systemd": queue only
    (tmp_path / "etc-opt-p" / "settings.py").write_text(
        'SECRET_KEY = "planted-secret-value-1234"\n'
    )
    with open(confdir / "p.toml", "a") as f:
        f.write('[notify]\nurls = ["json://a.example/x"]\n')
    return config.load(project, live=False)


def test_each_channel_is_named_as_the_user_sees_it():
    assert list(registry.CHANNELS) == ["mail", "pings", "notify"]
    for name, channel in registry.CHANNELS.items():
        assert channel.name == name
        assert name in wake.SERVICES, "its wake request and delivering unit"
        assert f"flush-{name}" in cli.VERBS, "djops flush-NAME delivers it"


def test_flush_verbs_deliver_through_the_table(monkeypatch):
    monkeypatch.setitem(
        registry.CHANNELS, "pings", registry.get("pings")._replace(deliver=lambda: "1 ping sent")
    )
    assert registry.deliver("pings") == "1 ping sent"
    assert cli.VERBS["flush-pings"].run(None) == "1 ping sent"


def test_the_pings_entry_is_the_pings_channel():
    assert registry.get("pings").deliver is pings.deliver


def test_a_destination_is_named_by_its_fingerprint_never_whole():
    url = "ntfys://s3cr3tTOPICtoken"
    for name in ("pings", "notify"):
        assert registry.get(name).fingerprint(url) == fingerprint.label(url)
        assert "s3cr3t" not in registry.get(name).fingerprint(url)
    assert registry.get("mail").fingerprint("root\n") == "root"


def test_a_notice_reaches_every_channel_of_the_table_masked(cfg, monkeypatch):
    got = []
    extra = registry.Channel("extra", lambda: "", str, lambda c, notice: got.append(notice))
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
        module = sys.modules[channel.deliver.__module__]
        assert [v for v in vars(module).values() if isinstance(v, drain.Drain)], name
        code = inspect.getsource(module)
        for own in ("locked(", "postpone(", "sleep(", "expired(", "while True"):
            assert own not in code, f"{module.__name__} has its own {own}"
