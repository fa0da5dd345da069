"""The mail channel. Nothing is lost: every djops mail is written to
/var/lib/djops/outbox/ first (channels.queue), then djops-mailqueue.service
(every few minutes, and whenever djops queues a mail) hands it to sendmail
through the one drain (channels.drain) and removes it once sendmail took it.
What could not be handed over is retried with backoff; each message on its
own (sendmail orders nothing), each failed try said at crit. A message still
undelivered after a day, or beyond the outbox's bound, is given up: moved to
/var/lib/djops/outbox/given-up/ (paths.outbox_given_up), said once per pass
and project as notify.dropped (djops.channels.dropped) with the `mv` that
re-queues it, and never deleted by djops: the retried queue stays bounded
(each pass reads little) and no mail is lost. That directory has no bound
of its own, as Postfix's hold queue has none: a bound would mean deleting
mail, which is the admin's call, not djops'; instead `djops check` warns
while it holds anything, with where to look and the `mv`. Then it flushes
dma's own queue, the job Debian's dma leaves to cron (`dma -q`), which a
server without cron never runs.

Only that one unit runs sendmail: dma is setgid mail, which the sandboxes of
the other units (NoNewPrivileges=) rightly forbid.
"""

import os
import subprocess
from email.message import EmailMessage, Message
from pathlib import Path

from djops import paths, safefs
from djops.channels import dmaspool, drain, dropped, queue, sendmail
from djops.channels.channel import Channel
from djops.channels.notice import Notice
from djops.config import Config
from djops.systemd import journal, wake
from djops.text import one_line, plural, span

NAME, SERVICE, FAILED = "mail", "djops-mailqueue.service", "mail.failed"
WAKERS = ("djops-mailqueue.timer", "djops-mailqueue.path")
LAST_RETRY = queue.LAST_RETRY
STUCK_SECONDS = 3600


def directory() -> Path:
    return paths.outbox_dir()


def given_up() -> list[Path]:
    """The mail the outbox gave up on, kept (oldest first)."""
    return queue.pending(paths.outbox_given_up())


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
    wake.request(NAME, SERVICE)
    if not os.path.isdir(paths.systemd_booted()):
        flush()  # no systemd (tests, a chroot): deliver here


def run() -> str:
    """djops-mailqueue.service: the outbox to sendmail, then dma's queue."""
    sendmail.become_subreaper()
    delivered, waiting = drain.run(OUTBOX, limit=0)  # the timer retries what waits
    dma = ""
    if os.access(paths.dma(), os.X_OK):
        try:
            subprocess.run([paths.dma(), "-q"], capture_output=True, timeout=120)
            dma = "; dma queue flushed"
        except (OSError, subprocess.TimeoutExpired):
            dma = "; dma -q did not finish within 120s (its queue keeps the mail)"
    sendmail.settle()
    # a mail queued while dma ran asked for a run that systemd merged into
    # this one: take it now rather than at the next tick
    if drain.fresh(OUTBOX):
        more, waiting = drain.run(OUTBOX, limit=0)
        delivered += more
        sendmail.settle()
    return f"djops outbox: {delivered} handed to sendmail, {waiting} waiting{dma}"


def flush() -> tuple[int, int]:
    """Retry every message that is due; (delivered, still waiting)."""
    return drain.flush(OUTBOX)[:2]


def pending() -> list[Path]:
    return queue.pending(directory())


def summary(cfg: Config | None = None) -> str:
    """The outbox as status and the heartbeat show it (the server's, whatever
    the project): what waits, and the given-up mail while any is kept (where)."""
    kept = given_up()
    return f"{len(pending())} waiting" + (
        f"; {len(kept)} given up in {paths.outbox_given_up()}" if kept else ""
    )


def health() -> tuple[bool, str]:
    """Whether mail moves: nothing in dma's spool or the djops outbox for over
    an hour (the health check `mailqueue` and the checklist both ask)."""
    queued, kept_files = dmaspool.queued(), pending()  # each listed once
    stuck = [e for e in queued if dmaspool.age(e) > STUCK_SECONDS]
    kept = [f for f in kept_files if dmaspool.age(f) > STUCK_SECONDS]
    if stuck or kept:
        return False, (
            f"{plural(len(stuck), 'mail')} stuck in {paths.dma_spool()}, {len(kept)} in the djops "
            "outbox for over an hour; see `journalctl -t dma`"
        )
    return True, f"{len(queued)} queued, {len(kept_files)} in outbox"


_due = queue.due


def _load(path: Path) -> dict | None:
    return drain.load(OUTBOX, path)


def _send(path: Path, entry: dict) -> None:
    """Hand one message over, exactly once: the entry is marked before
    sendmail runs, so a run killed meanwhile leaves a mark; the next run then
    asks dma's spool whether dma took the message before sending it again."""
    msgid = _message_id(entry["message"])
    if entry.get("handing") and msgid and dmaspool.holds(msgid):
        return  # dma took it before the last run died
    entry["handing"] = True
    safefs.write_json(path, entry)
    try:
        sendmail.sendmail(entry["sendmail"], entry["message"].encode("utf-8", "surrogateescape"))
    except sendmail.SendError as e:
        entry["handing"] = False
        raise drain.Undelivered(str(e)) from None


def _kept(path: Path, entry: dict, why: str, delay: float | None) -> None:
    journal.emit(
        FAILED,
        entry["project"],
        f"mail {entry['subject']!r} kept in {path}, retry in {span(delay or 0)}: {why}",
        REASON=why,
        OUTBOX=str(path),
        ATTEMPTS=entry["attempts"],
    )


OUTBOX = drain.Drain(
    directory=directory,
    fields={"project": str, "sendmail": str, "subject": str, "message": str},
    send=_send,
    line=lambda path, entry: path.name,  # each message on its own: none holds back another
    kept=_kept,
    unreadable=(FAILED, "outbox entry", "OUTBOX"),
    say_every_try=True,
    give_up=dropped.giver(
        "mail",
        lambda entry: (entry["project"], _to(entry["message"]), entry["subject"]),
        label=fingerprint,
        keep_in=paths.outbox_given_up,  # nothing is lost: kept, and no mail says it
    ),
)


def _to(text: str) -> str:
    """The message's recipients (the mail channel's destination)."""
    return str(_headers(text).get("To", "")) or "?"


def _message_id(text: str) -> str:
    return str(_headers(text).get("Message-Id", ""))


def _headers(text: str) -> Message:
    from email.parser import HeaderParser

    return HeaderParser().parsestr(text, headersonly=True)


CHANNEL = Channel(
    name=NAME,
    label="mail outbox",  # its line in djops status and the heartbeat
    deliver=run,
    fingerprint=fingerprint,
    urls=lambda cfg: [],  # addresses, no token
    summary=summary,
    queue=OUTBOX,
    failed=FAILED,
    service=SERVICE,
    wakers=WAKERS,
    announce=announce,
)
