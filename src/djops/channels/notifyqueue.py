"""djops-notify.service: deliver the Apprise queue (/var/lib/djops/notify),
oldest first; a URL that fails holds back only its own later messages, so a
channel that is down delays nothing else and each receives its messages in
order. Runs until the queue is empty or `limit` passes; djops-notify.timer
starts it again for what waits longer."""

import contextlib
import time
from pathlib import Path

from djops import paths, safefs
from djops.channels import apprise, queue
from djops.systemd import journal

POLL = 5.0


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
    with queue.locked(apprise.directory()):
        for path in queue.pending(apprise.directory()):
            entry = _load(path)
            if entry is None:
                continue
            now = time.time()
            if entry["url"] in held or not queue.due(entry, now):
                if entry["url"] in held:
                    _report(path, entry, "waits behind an older undelivered one")
                held.add(entry["url"])
                waiting += 1
                wait = min(wait, max(entry["next_try"] - now, 0.0))
                continue
            if _try(path, entry):
                delivered += 1
                _stamp(entry["project"])
            else:
                held.add(entry["url"])
                waiting += 1
                wait = min(wait, queue.FIRST_RETRY)
    return delivered, waiting, wait


def _try(path: Path, entry: dict) -> bool:
    try:
        _deliver(entry["url"], entry["title"], entry["body"])
    except DeliveryError as e:
        delay = queue.postpone(path, entry, str(e))
        _report(path, entry, f"retry in {delay:.0f}s: {e}")
        return False
    path.unlink(missing_ok=True)
    return True


def _report(path: Path, entry: dict, why: str) -> None:
    """notify.failed, once per undelivered message (marked in its entry)."""
    if entry.get("reported"):
        return
    entry["reported"] = True
    safefs.write_json(path, entry)
    shown = apprise.shown(entry["url"])
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


def _deliver(url: str, title: str, body: str) -> None:
    if not apprise.available():
        raise DeliveryError("python3-apprise is not installed (apt install apprise)")
    import apprise as lib  # Debian's python3-apprise

    a = lib.Apprise()
    if not a.add(url):
        raise DeliveryError(f"Apprise does not accept the URL {apprise.shown(url)}")
    if not a.notify(body=body, title=title):
        raise DeliveryError(f"{apprise.shown(url)} did not take it")


def _load(path: Path) -> dict | None:
    return queue.load_or_set_aside(path, apprise.FIELDS, "notify.failed", "notification", "QUEUE")


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


def summary(project: str, urls: list[str]) -> str:
    """One line for `djops status` and the heartbeat: configured, last
    delivered, waiting."""
    if not urls:
        return "none ([notify] urls is empty)"
    when = last_delivered().get(project)
    last = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when else "never"
    missing = "" if apprise.available() else "; Apprise is not installed: apt install apprise"
    where = ", ".join(apprise.shown(u) for u in urls)
    return f"{where}; last delivered {last}; {len(apprise.pending(project))} waiting{missing}"
