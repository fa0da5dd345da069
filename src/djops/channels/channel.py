"""What a channel is to the rest of djops: one record per channel module
(its CHANNEL), listed in djops.channels.registry. Whatever tells "every
channel" (announce, djops status, the heartbeat, djops check, the flush
verbs, the wake requests, the units djops enable turns on) reads these
fields, never a channel by hand, so a new channel is its module, its tests
and one line in the registry.

A NamedTuple: the delivery units start the CLI, and dataclasses' imports cost."""

from collections.abc import Callable
from typing import NamedTuple

from djops.channels.drain import Drain
from djops.channels.notice import Notice
from djops.config import Config


class Channel(NamedTuple):
    # the user's word for it: `djops flush-NAME`, its wake requests in
    # /var/lib/djops/due/NAME (djops.systemd.wake), its line in djops status
    name: str
    label: str  # its line in djops status and the heartbeat
    deliver: Callable[[], str]  # deliver what the queue holds (its unit's run); one line
    fingerprint: Callable[[str], str]  # a destination as djops shows it (never a token whole)
    # the destinations P's config names that may hold a token (djops check
    # warns when that file is readable by others); [] for mail addresses
    urls: Callable[[Config], list[str]]
    summary: Callable[[Config], str]  # what waits, for djops status and the heartbeat
    queue: Drain  # its durable queue and what the one drain needs to deliver it
    failed: str  # the journal event of an entry kept undelivered (djops.events)
    service: str  # the unit that delivers it, started by djops.systemd.wake
    # its .path and .timer units, which djops enable turns on (djops.systemd.units.WAKERS)
    wakers: tuple[str, ...]
    announce: Callable[[Config, Notice], None] | None = None  # None: carries no notices
