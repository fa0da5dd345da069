"""djops-notify.service: deliver the Apprise queue (/var/lib/djops/notify),
oldest first; a URL that fails holds back only its own later messages, so a
channel that is down delays nothing else and each receives its messages in
order. Runs until the queue is empty or `limit` passes; djops-notify.timer
starts it again for what waits longer.

It gives up loudly (djops.channels.dropped): a message undelivered for a
day, or beyond the queue's bound, is dropped with notify.dropped. An entry
is read when it is new to this process or due; one that waits is judged
from what the last read found, so a pass over a long queue reads little."""

import contextlib
import importlib.util
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from djops import paths, safefs
from djops.channels import chat, dropped, fingerprint, queue
from djops.systemd import journal

POLL = 5.0
FIELDS = {"project": str, "url": str, "title": str, "body": str}


def available() -> bool:
    """Whether Debian's `apprise` package is installed (Suggests:)."""
    return importlib.util.find_spec("apprise") is not None


def directory() -> Path:
    """The queue: one JSON entry per message and URL (djops.channels.queue)."""
    return paths.state_dir() / "notify"


@dataclass
class Seen:
    """What this process last read of an entry (only this process changes it:
    the queue is locked while one delivers)."""

    url: str
    next_try: float
    reported: bool


_seen: dict[str, Seen] = {}


def run(limit: float = 600.0) -> str:
    deadline = time.monotonic() + limit
    delivered = 0
    while True:
        done, waiting, wait = flush()
        delivered += done
        if not waiting or time.monotonic() + wait > deadline:
            return f"notifications: {delivered} delivered, {waiting} waiting"
        time.sleep(min(max(wait, 0.5), POLL))


def flush() -> tuple[int, int, float]:
    """One pass: (delivered, still waiting, seconds until the next is due)."""
    delivered = waiting = 0
    held: set[str] = set()  # URLs with an older message still waiting
    wait = queue.LAST_RETRY
    with queue.locked(directory()):
        entries = _give_up(queue.pending(directory()))
        for name in set(_seen) - {p.name for p in entries}:
            del _seen[name]
        for path in entries:
            entry = None
            if (seen := _seen.get(path.name)) is None:
                if (entry := _load(path)) is None:
                    continue
                seen = _remember(path, entry)
            now = time.time()
            if seen.url in held or not queue.due({"next_try": seen.next_try}, now):
                if seen.url in held and not seen.reported:
                    _report_path(path, seen, "waits behind an older undelivered one")
                if seen.url not in held:  # the first of its URL: when it is due counts
                    wait = min(wait, max(seen.next_try - now, 0.0))
                held.add(seen.url)
                waiting += 1
                continue
            if entry is None and (entry := _load(path)) is None:  # due: read it as it is now
                continue
            if not queue.due(entry, now):  # another run (djops flush-notify) tried it meanwhile
                _remember(path, entry)
                held.add(entry["url"])
                waiting += 1
                wait = min(wait, max(entry["next_try"] - now, 0.0))
                continue
            if _try(path, entry):
                delivered += 1
                _stamp(entry["project"])
                _seen.pop(path.name, None)
            else:
                _remember(path, entry)
                held.add(entry["url"])
                waiting += 1
                wait = min(wait, queue.FIRST_RETRY)
    return delivered, waiting, wait


def _remember(path: Path, entry: dict) -> Seen:
    seen = _seen[path.name] = Seen(entry["url"], entry["next_try"], bool(entry.get("reported")))
    return seen


def _give_up(entries: list[Path]) -> list[Path]:
    """Drop what waited too long or lies beyond the bound; what is left."""
    kept, old, over = dropped.expired(entries, time.time())
    drops = dropped.Drops("notification")
    why_old, why_full = dropped.why_old(queue.give_up()), dropped.why_full("notifications")
    for group, why in ((old, why_old), (over, why_full)):
        for path in group:
            entry = _load(path)
            path.unlink(missing_ok=True)
            _seen.pop(path.name, None)
            if entry is not None:
                drops.add(entry["project"], entry["url"], why, entry["title"])
    drops.report()
    return kept


def _try(path: Path, entry: dict) -> bool:
    try:
        _deliver(entry["url"], entry["title"], entry["body"], _type(entry))
    except DeliveryError as e:
        delay = queue.postpone(path, entry, str(e))
        _report(path, entry, f"retry in {delay:.0f}s: {e}")
        return False
    path.unlink(missing_ok=True)
    return True


def _type(entry: dict) -> str:
    kind = entry.get("type")
    return kind if kind in chat.TYPES else chat.INFO  # an entry from before types: info


def _report_path(path: Path, seen: Seen, why: str) -> None:
    entry = _load(path)
    if entry is not None:
        _report(path, entry, why)
    seen.reported = True


def _report(path: Path, entry: dict, why: str) -> None:
    """notify.failed, once per undelivered message (marked in its entry)."""
    if entry.get("reported"):
        return
    entry["reported"] = True
    safefs.write_json(path, entry)
    shown = fingerprint.label(entry["url"])
    journal.emit(
        "notify.failed",
        entry["project"],
        f"notification {entry['title']!r} to {shown} kept, {why}",
        REASON=why,
        URL=shown,
        QUEUE=str(path),
    )


class DeliveryError(Exception):
    """Apprise is missing, or did not deliver; the reason is one line."""


def _deliver(url: str, title: str, body: str, kind_type: str = chat.INFO) -> None:
    if not available():
        raise DeliveryError("Apprise is not installed (apt install apprise)")
    import apprise as lib  # Debian's apprise package

    _quiet(lib)
    a = lib.Apprise()
    if not a.add(url):
        raise DeliveryError(f"Apprise does not accept the URL {fingerprint.label(url)}")
    if not a.notify(body=body, title=title, notify_type=kind_type):
        raise DeliveryError(f"{fingerprint.label(url)} did not take it")


def _quiet(lib: object) -> None:
    """Apprise's own log lines name the service's target (a topic, a device,
    a key): none of them reaches the journal."""
    log = logging.getLogger("apprise")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())


def _load(path: Path) -> dict | None:
    return queue.load_or_set_aside(path, FIELDS, "notify.failed", "notification", "QUEUE")


def last_delivered() -> dict[str, float]:
    """When each project's last notification was delivered (for status)."""
    try:
        data = safefs.read_json(paths.state_dir() / "notify-delivered.json")
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _stamp(project: str) -> None:
    seen = last_delivered()
    seen[project] = time.time()
    with contextlib.suppress(OSError):  # only status reads it
        safefs.write_json(paths.state_dir() / "notify-delivered.json", seen)
