"""Nothing is lost: every djops mail is written to /var/lib/djops/outbox/
first, then djops-mailqueue.service hands it to sendmail and removes it once
sendmail took it. What could not be handed over is retried with backoff (the
service again, from djops-mailqueue.timer).

Only that one unit runs sendmail: dma is setgid mail, which the sandboxes of
the other units (NoNewPrivileges=) rightly forbid.
"""

import contextlib
import fcntl
import os
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from djops import paths, safefs
from djops.mail import message, spool
from djops.systemd import journal, wake

FIRST_RETRY, LAST_RETRY = 30.0, 3600.0
MAX_ENTRY = 32 << 20


def directory() -> Path:
    return paths.state_dir() / "outbox"


def send(project: str, msg: EmailMessage, sendmail: str) -> Path:
    """Keep the message, then ask djops-mailqueue.service to deliver it."""
    entry = {
        "project": project,
        "sendmail": sendmail,
        "subject": str(msg["Subject"]),
        "attempts": 0,
        "next_try": 0.0,
        "message": msg.as_bytes().decode("utf-8", "surrogateescape"),
    }
    d = directory()
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = d / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.json"
    _write(path, entry)
    kick()
    return path


def kick() -> None:
    """Ask djops-mailqueue.service for a run; outside systemd, deliver here."""
    wake.request(wake.MAIL)
    if not os.path.isdir("/run/systemd/system"):
        flush()  # no systemd (tests, a chroot): deliver here


def flush() -> tuple[int, int]:
    """Retry every message that is due; (delivered, still waiting)."""
    delivered = waiting = 0
    with _locked():
        for path in sorted(directory().glob("*.json")):
            entry = _load(path)
            if entry is None:
                continue
            if not _due(entry, time.time()):
                waiting += 1
            elif _try(path, entry):
                delivered += 1
            else:
                waiting += 1
    return delivered, waiting


def pending() -> list[Path]:
    return sorted(directory().glob("*.json"))


def due() -> bool:
    """Whether some kept message waits for no backoff (it is new)."""
    for path in pending():
        try:
            if safefs.read_json(path)["attempts"] == 0:
                return True
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return False


def _due(entry: dict, now: float) -> bool:
    """Its retry time has come, or lies further ahead than any backoff: the
    clock went back, and the mail must not wait for the clock to catch up."""
    next_try = float(entry["next_try"])
    return next_try <= now or next_try > now + LAST_RETRY


_FIELDS = {"project": str, "sendmail": str, "subject": str, "message": str}


def _load(path: Path) -> dict | None:
    """An outbox entry, or None after moving an unreadable one aside (logged)."""
    try:
        entry = safefs.read_json(path, limit=MAX_ENTRY)
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), t) for k, t in _FIELDS.items()
        ):
            raise ValueError("not an outbox entry")
        entry["attempts"] = int(entry.get("attempts", 0))
        entry["next_try"] = float(entry.get("next_try", 0.0))
        return entry
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as e:
        _set_aside(path, e)
        return None


def _set_aside(path: Path, why: Exception) -> None:
    bad = directory() / "unreadable"
    try:
        bad.mkdir(mode=0o700, exist_ok=True)
        dest = bad / path.name
        os.replace(path, dest)
    except OSError:
        return
    reason = f"unreadable outbox entry moved to {dest}: {type(why).__name__}"
    journal.emit("mail.failed", "unknown", reason, REASON=reason, OUTBOX=str(dest))


def _try(path: Path, entry: dict) -> bool:
    """Hand one message over, exactly once: the entry is marked before
    sendmail runs, so a run killed meanwhile leaves a mark; the next run then
    asks dma's spool whether dma took the message before sending it again."""
    msgid = _message_id(entry["message"])
    if entry.get("handing") and msgid and spool.holds(msgid):
        path.unlink(missing_ok=True)  # dma took it before the last run died
        return True
    entry["handing"] = True
    _write(path, entry)
    try:
        message.sendmail(entry["sendmail"], entry["message"].encode("utf-8", "surrogateescape"))
    except message.SendError as e:
        entry["handing"] = False
        entry["attempts"] += 1
        delay = min(FIRST_RETRY * 2 ** (entry["attempts"] - 1), LAST_RETRY)
        entry["next_try"] = time.time() + delay
        entry["last_error"] = str(e)
        _write(path, entry)
        journal.emit(
            "mail.failed",
            entry["project"],
            f"mail {entry['subject']!r} kept in {path}, retry in {delay:.0f}s: {e}",
            REASON=str(e),
            OUTBOX=str(path),
            ATTEMPTS=entry["attempts"],
        )
        return False
    path.unlink(missing_ok=True)
    return True


def _message_id(text: str) -> str:
    from email.parser import HeaderParser

    return str(HeaderParser().parsestr(text, headersonly=True).get("Message-Id", ""))


def _write(path: Path, entry: dict) -> None:
    """fsynced: a crash leaves the whole entry or none, never an empty file."""
    safefs.write_json(path, entry)


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One sender at a time, so no message is handed over twice."""
    directory().mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
