"""Every channel djops has, in one table (as borgmatic's hooks/dispatch.py):
its name, how its queue is delivered, how it names a destination, and
whether it carries notices. A new channel is one module, its tests and one
line here (its queue delivered by the one drain, djops.channels.drain, told
only how to send one entry and its ordering rule); whatever tells "every
channel" (djops.channels.announce, the flush-* verbs) goes through this
table, never through a channel by hand.

The name is the one the user already sees: `djops flush-NAME`, the queue's
wake requests under /var/lib/djops/due/NAME (djops.systemd.wake), and its
delivering unit (djops-mailqueue, djops-ping, djops-notify)."""

from collections.abc import Callable
from typing import NamedTuple

from djops.channels import fingerprint, mail, notify, pings
from djops.channels.notice import Notice
from djops.config import Config
from djops.systemd import wake


class Channel(NamedTuple):
    name: str
    deliver: Callable[[], str]  # deliver what the queue holds; one line on what happened
    fingerprint: Callable[[str], str]  # a destination as djops shows it (never a token whole)
    announce: Callable[[Config, Notice], None] | None  # None: carries no notices


CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        Channel(wake.MAIL, mail.run, mail.fingerprint, mail.announce),
        Channel(wake.PINGS, pings.deliver, fingerprint.label, None),  # a run's, not a notice
        Channel(wake.NOTIFY, notify.run, fingerprint.label, notify.announce),
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
