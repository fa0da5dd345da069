"""Write djops events to the journal with the contract's fields.

Every line gets SYSLOG_IDENTIFIER=djops, DJOPS_PROJECT, DJOPS_EVENT, the
event's MESSAGE_ID (explained by the catalog) and a PRIORITY.
"""

import sys
from collections.abc import Callable
from datetime import UTC
from typing import Any

from djops.events import EVENTS

Sender = Callable[..., Any]


def _default_sender() -> Sender:
    try:
        from systemd import journal
    except ImportError:  # pragma: no cover - python3-systemd is a Depends
        return lambda message, **fields: print(message, file=sys.stderr)
    return journal.send


_sender: Sender | None = None
_last_message: str | None = None


def set_sender(sender: Sender | None) -> None:
    """Tests swap the journal for a recorder."""
    global _sender
    _sender = sender


def emit(event: str, project: str, message: str, priority: int | None = None, **extra: Any) -> None:
    """Send one event; `extra` keys become DJOPS_<KEY> fields."""
    ev = EVENTS[event]
    fields = {
        "MESSAGE_ID": ev.message_id,
        "PRIORITY": str(ev.priority if priority is None else priority),
        "SYSLOG_IDENTIFIER": "djops",
        "DJOPS_PROJECT": project,
        "DJOPS_EVENT": event,
    }
    for k, v in extra.items():
        fields["DJOPS_" + k.upper()] = str(v)
    global _sender, _last_message
    _last_message = message
    if _sender is None:
        _sender = _default_sender()
    try:
        _sender(message, **fields)
    except OSError:  # no journald (a chroot, a build host): keep the message
        print(f"djops: {event}: {message}", file=sys.stderr)


def last_event(project: str, events: tuple[str, ...], since_usec: int = 0) -> dict[str, Any] | None:
    """The newest of `events` for `project` logged at or after `since_usec`."""
    from datetime import datetime

    from systemd import journal

    reader = journal.Reader()
    try:
        for ev in events:
            reader.add_match(DJOPS_PROJECT=project, DJOPS_EVENT=ev)
            reader.add_disjunction()
        reader.seek_tail()
        entry = reader.get_previous()
        if not entry:
            return None
        since = datetime.fromtimestamp(since_usec / 1e6, UTC)
        stamp = entry.get("__REALTIME_TIMESTAMP")
        return entry if stamp is None or stamp >= since else None
    finally:
        reader.close()


def already_logged(text: str, stream: Any = None) -> bool:
    """True when `stream` (stdout) is the journal and `text` was just sent as
    an event: a unit's output would otherwise log the same line twice."""
    import os

    journal_stream = os.environ.get("JOURNAL_STREAM", "")
    try:
        st = os.fstat((stream or sys.stdout).fileno())
    except (OSError, ValueError):
        return False
    return journal_stream == f"{st.st_dev}:{st.st_ino}" and text == _last_message


def invocation_lines(invocation: str, limit: int) -> list[str]:
    """The last `limit` lines of one run of a unit, as `journalctl` shows them."""
    from systemd import journal

    reader = journal.Reader()
    try:
        reader.add_match(_SYSTEMD_INVOCATION_ID=invocation)
        reader.add_disjunction()
        reader.add_match(INVOCATION_ID=invocation)  # systemd's own lines about the unit
        reader.seek_tail()
        lines: list[str] = []
        while len(lines) < limit and (e := reader.get_previous()):
            stamp = e["__REALTIME_TIMESTAMP"].astimezone().strftime("%b %d %H:%M:%S")
            who = e.get("SYSLOG_IDENTIFIER", e.get("_COMM", "?"))
            pid = e.get("_PID", e.get("SYSLOG_PID", ""))
            lines.append(f"{stamp} {who}[{pid}]: {e.get('MESSAGE', '')}")
        return lines[::-1]
    finally:
        reader.close()


def recent(project: str, max_priority: int, seconds: float) -> list[dict[str, Any]]:
    """The project's entries at `max_priority` or worse of the last `seconds`."""
    import time

    from systemd import journal

    reader = journal.Reader()
    try:
        reader.add_match(DJOPS_PROJECT=project)
        reader.log_level(max_priority)
        reader.seek_realtime(time.time() - seconds)
        return list(reader)
    finally:
        reader.close()
