"""Every channel djops has, in one table (as borgmatic's hooks/dispatch.py):
one line per channel module, naming its CHANNEL (djops.channels.channel:
its name, how its queue is delivered, how it names a destination, whether
it carries notices, the config URLs that hold its tokens, its summary, its
queue, its failure event, its unit and the units that wake it). A new
channel is one module, its tests and one line here; whatever tells "every
channel" (announce, djops status, the heartbeat, djops check, the flush
verbs) goes through this table, never through a channel by hand.

Two lower layers cannot import this one and keep their own list, which a
test holds equal to the table (tests/unit/channels/test_registry.py):
djops.systemd.units.WAKERS (what djops enable turns on) and the flush
verbs of djops.cli.verbs (the CLI must start without importing the channels).
djops.systemd.wake lists none: each channel hands down its unit."""

from djops.channels import mail, notify, pings
from djops.channels.channel import Channel
from djops.config import Config

CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        mail.CHANNEL,
        pings.CHANNEL,
        notify.CHANNEL,
    )
}


def get(name: str) -> Channel:
    return CHANNELS[name]


def announcing() -> list[Channel]:
    """The channels a notice goes to, mail first (the table's order)."""
    return [c for c in CHANNELS.values() if c.announce is not None]


def deliver(name: str) -> str:
    """Deliver channel `name`'s queue (its unit's run, `djops flush-NAME`)."""
    return CHANNELS[name].deliver()


def urls(cfg: Config) -> list[str]:
    """Every channel URL P's config holds (each may be a token)."""
    return [u for c in CHANNELS.values() for u in c.urls(cfg)]


def shown(c: Channel, cfg: Config) -> str:
    """A channel's line in djops status and the heartbeat: its destinations
    by fingerprint (never whole), then what waits."""
    where = ", ".join(c.fingerprint(u) for u in c.urls(cfg))
    return f"{where}; {c.summary(cfg)}" if where else c.summary(cfg)


def lines(cfg: Config) -> list[tuple[str, str]]:
    """(label, line) of each channel, for djops status and the heartbeat."""
    return [(c.label, shown(c, cfg)) for c in CHANNELS.values()]
