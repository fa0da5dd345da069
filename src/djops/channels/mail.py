"""The mail channel. Nothing is lost: every djops mail is written to
/var/lib/djops/outbox/ first (channels.queue), then djops-mailqueue.service
hands it to sendmail and removes it once sendmail took it. What could not be
handed over is retried with backoff (the service again, from
djops-mailqueue.timer).

Only that one unit runs sendmail: dma is setgid mail, which the sandboxes of
the other units (NoNewPrivileges=) rightly forbid.
"""

import os
import time
from email.message import EmailMessage
from pathlib import Path

from djops import paths, safefs
from djops.channels import dmaspool, queue, sendmail
from djops.channels.notice import Notice
from djops.config import Config
from djops.systemd import journal, wake
from djops.text import one_line

LAST_RETRY = queue.LAST_RETRY


def directory() -> Path:
    return paths.state_dir() / "outbox"


def announce(cfg: Config, notice: Notice) -> None:
    """Every notice is mailed, whole, to [health] mail_to (or its `to`)."""
    to = notice.to or cfg.health.mail_to
    msg = sendmail.compose(cfg.name, notice.kind, notice.subject, notice.body, to, notice.thread)
    send(cfg.name, msg, cfg.health.sendmail)


def fingerprint(address: str) -> str:
    """A mail address is no token: shown as it is, on one line."""
    return one_line(address, 254)


def send(project: str, msg: EmailMessage, program: str) -> Path:
    """Keep the message, then ask djops-mailqueue.service to deliver it."""
    entry = {
        "project": project,
        "sendmail": program,
        "subject": str(msg["Subject"]),
        "message": msg.as_bytes().decode("utf-8", "surrogateescape"),
    }
    path = queue.put(directory(), entry)
    kick()
    return path


def kick() -> None:
    """Ask djops-mailqueue.service for a run; outside systemd, deliver here."""
    wake.request(wake.MAIL)
    if not os.path.isdir(paths.systemd_booted()):
        flush()  # no systemd (tests, a chroot): deliver here


def flush() -> tuple[int, int]:
    """Retry every message that is due; (delivered, still waiting)."""
    delivered = waiting = 0
    with queue.locked(directory()):
        for path in pending():
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
    return queue.pending(directory())


def due() -> bool:
    """Whether some kept message waits for no backoff (it is new)."""
    for path in pending():
        try:
            if safefs.read_json(path)["attempts"] == 0:
                return True
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return False


_due = queue.due
_FIELDS = {"project": str, "sendmail": str, "subject": str, "message": str}


def _load(path: Path) -> dict | None:
    return queue.load_or_set_aside(path, _FIELDS, "mail.failed", "outbox entry", "OUTBOX")


def _try(path: Path, entry: dict) -> bool:
    """Hand one message over, exactly once: the entry is marked before
    sendmail runs, so a run killed meanwhile leaves a mark; the next run then
    asks dma's spool whether dma took the message before sending it again."""
    msgid = _message_id(entry["message"])
    if entry.get("handing") and msgid and dmaspool.holds(msgid):
        path.unlink(missing_ok=True)  # dma took it before the last run died
        return True
    entry["handing"] = True
    safefs.write_json(path, entry)
    try:
        sendmail.sendmail(entry["sendmail"], entry["message"].encode("utf-8", "surrogateescape"))
    except sendmail.SendError as e:
        entry["handing"] = False
        delay = queue.postpone(path, entry, str(e))
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
