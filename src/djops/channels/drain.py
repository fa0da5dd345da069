"""The one drain loop: how every channel's durable queue (djops.channels.queue)
is delivered, by its unit (djops-mailqueue, djops-ping, djops-notify) or by
`djops flush-NAME`. A channel tells it only what is its own (a `Drain`):
where its queue is, how to send one entry, its ordering rule, its backoff,
how it says an entry is kept, and how it gives up. The rest is the same
for every channel:

- one deliverer per queue at a time (the queue's lock);
- the entries oldest first, after the channel gave up on what waited too
  long or lies beyond the queue's bound (djops.channels.dropped);
- an entry goes in order within its line (`line`): an undelivered one holds
  back the later ones of its line only, so a destination that is down
  delays nothing else and each receives its entries in order;
- a failed try is counted in the entry, which waits for its backoff;
- each kept entry is said once (or at every try, if the channel says so);
- what cannot be read is moved aside, never deleted;
- an entry is read when it is new to this process, due, or written since
  (by another run); one that waits is judged from what the last read
  found, so a pass over a long queue reads little;
- a run goes on until nothing waits or `limit` seconds pass, and takes at
  once what was queued while it ran.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from djops import safefs
from djops.channels import queue

POLL = 5.0  # the longest sleep between passes of a run
HELD = "waits behind an older undelivered one"


class Undelivered(Exception):
    """One entry was not delivered this time; the reason is one line, no token in it."""


@dataclass(frozen=True)
class Drain:
    """What a channel tells the drain."""

    directory: Callable[[], Path]
    fields: dict[str, type]  # what an entry must hold (else it is unreadable)
    send: Callable[[Path, dict], None]  # deliver one entry, or raise Undelivered
    line: Callable[[Path, dict], str]  # entries of one line go in order
    # say an entry is kept: (path, entry, why, the delay; None: held behind its line)
    kept: Callable[[Path, dict, str, float | None], None]
    unreadable: tuple[str, str, str]  # the event, what an entry is, the field naming where it went
    give_up: Callable[[list[Path], Callable[[Path], dict | None]], list[Path]] | None = None
    backoff: Callable[[int], float] = queue.backoff
    say_every_try: bool = False  # else once per entry (marked in it)


@dataclass
class _Seen:
    """What this process last read of an entry (only this process changes it:
    the queue is locked while one delivers)."""

    stamp: tuple[int, int]  # the file it was read from: another writer makes another
    line: str
    next_try: float
    reported: bool


_seen: dict[Path, dict[str, _Seen]] = {}  # per queue directory
_unread: dict[Path, set[str]] = {}  # entries this process could not read, nor move aside


def run(q: Drain, limit: float) -> tuple[int, int]:
    """Deliver until nothing waits or `limit` seconds pass; (delivered, waiting)."""
    deadline = time.monotonic() + limit
    delivered = 0
    while True:
        done, waiting, wait = flush(q)
        delivered += done
        if fresh(q):
            continue  # queued while this pass ran: its unit's start merged into this run
        if not waiting or time.monotonic() + wait > deadline:
            return delivered, waiting
        time.sleep(min(max(wait, 0.5), POLL))


def fresh(q: Drain) -> bool:
    """Whether an entry came that this process has not looked at yet."""
    d = q.directory()
    known = _seen.get(d, {}).keys() | _unread.get(d, set())
    return any(p.name not in known for p in queue.pending(d))


def flush(q: Drain) -> tuple[int, int, float]:
    """One pass: (delivered, still waiting, seconds until the next is due)."""
    d = q.directory()
    delivered = waiting = 0
    held: set[str] = set()  # lines with an older entry still waiting
    wait = queue.LAST_RETRY
    with queue.locked(d):
        entries = queue.pending(d)
        if q.give_up is not None:
            entries = q.give_up(entries, lambda path: load(q, path))
        seen, unread = _seen.setdefault(d, {}), _unread.setdefault(d, set())
        for name in set(seen) - {p.name for p in entries}:
            del seen[name]
        unread.clear()
        for path in entries:
            now = time.time()
            entry = None
            if (s := seen.get(path.name)) is None or s.stamp != _stamp(path):
                if (entry := load(q, path)) is None:
                    unread.add(path.name)
                    continue
                s = _remember(q, path, entry)
            if s.line in held or not queue.due({"next_try": s.next_try}, now):
                if s.line in held and not s.reported:
                    _say_held(q, path, s)
                if s.line not in held:  # the first of its line: when it is due counts
                    wait = min(wait, max(s.next_try - now, 0.0))
                held.add(s.line)
                waiting += 1
                continue
            if entry is None and (entry := load(q, path)) is None:  # due: read it as it is now
                continue
            if not queue.due(entry, now):  # another run (djops flush-NAME) tried it meanwhile
                s = _remember(q, path, entry)
                held.add(s.line)
                waiting += 1
                wait = min(wait, max(entry["next_try"] - now, 0.0))
                continue
            if (delay := _try(q, path, entry)) is None:
                delivered += 1
                seen.pop(path.name, None)
            else:
                held.add(_remember(q, path, entry).line)
                waiting += 1
                wait = min(wait, delay)
    return delivered, waiting, wait


def _try(q: Drain, path: Path, entry: dict) -> float | None:
    """Send one entry; None once delivered, else the delay until its next try."""
    try:
        q.send(path, entry)
    except Undelivered as e:
        delay = queue.postpone(path, entry, str(e), q.backoff)
        _say(q, path, entry, str(e), delay)
        return delay
    path.unlink(missing_ok=True)
    return None


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return (st.st_ino, st.st_mtime_ns)


def _remember(q: Drain, path: Path, entry: dict) -> _Seen:
    stamp = _stamp(path)  # after the last write of this process
    s = _Seen(stamp, q.line(path, entry), entry["next_try"], bool(entry.get("reported")))
    _seen.setdefault(q.directory(), {})[path.name] = s
    return s


def _say_held(q: Drain, path: Path, s: _Seen) -> None:
    if (entry := load(q, path)) is not None:
        _say(q, path, entry, HELD, None)
    s.reported, s.stamp = True, _stamp(path)  # its mark is this process's own write


def _say(q: Drain, path: Path, entry: dict, why: str, delay: float | None) -> None:
    """The channel says the entry is kept: once per entry, marked in it."""
    if entry.get("reported") and not q.say_every_try:
        return
    if not entry.get("reported"):
        entry["reported"] = True
        safefs.write_json(path, entry)
    q.kept(path, entry, why, delay)


def load(q: Drain, path: Path) -> dict | None:
    """An entry of `q`; None when it went meanwhile, or was unreadable and is moved aside."""
    event, kind, field = q.unreadable
    return queue.load_or_set_aside(path, q.fields, event, kind, field)
