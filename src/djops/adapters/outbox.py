"""Nothing is lost: every djops mail is written to /var/lib/djops/outbox/
first, then djops-mailqueue.service hands it to sendmail and removes it once
sendmail took it. What could not be handed over is retried with backoff (the
service again, from djops-mailqueue.timer).

Only that one unit runs sendmail: dma is setgid mail, which the sandboxes of
the other units (NoNewPrivileges=) rightly forbid.
"""

import contextlib
import fcntl
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from djops import paths
from djops.adapters import journal, mail

FIRST_RETRY, LAST_RETRY = 30.0, 3600.0


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
    """Start the delivery unit without waiting; outside systemd, deliver here."""
    try:
        proc = subprocess.run(
            ["systemctl", "start", "--no-block", "djops-mailqueue.service"],
            capture_output=True,
            timeout=30,
        )
        started = proc.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        started = False
    if not started and not os.path.isdir("/run/systemd/system"):
        flush()  # no systemd (tests, a chroot): deliver here
    # under systemd a failed start leaves the mail for djops-mailqueue.timer


def flush() -> tuple[int, int]:
    """Retry every message that is due; (delivered, still waiting)."""
    delivered = waiting = 0
    with _locked():
        for path in sorted(directory().glob("*.json")):
            try:
                entry = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if entry["next_try"] > time.time():
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
            if json.loads(path.read_text())["attempts"] == 0:
                return True
        except (OSError, ValueError, KeyError):
            continue
    return False


def _try(path: Path, entry: dict) -> bool:
    try:
        mail.sendmail(entry["sendmail"], entry["message"].encode("utf-8", "surrogateescape"))
    except mail.SendError as e:
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


def _write(path: Path, entry: dict) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(entry, f)
    tmp.replace(path)


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One sender at a time, so no message is handed over twice."""
    directory().mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
