"""A queue giving up, loudly: what waited past its give-up time (a day), or
beyond the queue's bound, is dropped with one `notify.dropped` entry at
priority crit per project and channel, naming the channel by its label and
how many went, and a mail to the project's [health] mail_to (kept in the
outbox: it goes whenever mail works). A channel's drain (djops.channels.drain)
gives up through `giver`, before it tries anything."""

import contextlib
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from djops import config
from djops.channels import fingerprint, mail, queue, sendmail
from djops.errors import ConfigError
from djops.systemd import journal
from djops.text import plural

TITLES = 20  # the dropped messages a mail names, the oldest first


def why_old(seconds: float) -> str:
    hours = seconds / 3600
    return (
        f"undelivered for {plural(hours, 'hour')}"
        if hours >= 1
        else f"undelivered for {seconds:g}s"
    )


def why_full(what: str) -> str:
    return f"the queue held more than {queue.MAX_ENTRIES} {what}"


def expired(entries: list[Path], now: float) -> tuple[list[Path], list[Path], list[Path]]:
    """Split the queue's entries (oldest first) by their names alone: (kept,
    too old, beyond the bound)."""
    limit = queue.give_up()
    old = [p for p in entries if 0 < queue.queued_at(p) < now - limit]
    rest = [p for p in entries if p not in set(old)]
    over = rest[: max(len(rest) - queue.MAX_ENTRIES, 0)]
    return rest[len(over) :], old, over


def giver(
    what: str, whose: Callable[[dict], tuple[str, str, str]]
) -> Callable[[list[Path], Callable[[Path], dict | None]], list[Path]]:
    """How a channel gives up: `what` it holds ("ping"), and whose an entry
    is (project, URL, title). The drain passes the queue's entries (oldest
    first) and how to read one; what is kept comes back."""

    def give_up(entries: list[Path], load: Callable[[Path], dict | None]) -> list[Path]:
        kept, old, over = expired(entries, time.time())
        drops = Drops(what)
        for group, why in ((old, why_old(queue.give_up())), (over, why_full(f"{what}s"))):
            for path in group:
                entry = load(path)  # read once, to say whose it was
                path.unlink(missing_ok=True)
                if entry is not None:
                    project, url, title = whose(entry)
                    drops.add(project, url, why, title)
        drops.report()
        return kept

    return give_up


class Drops:
    """The entries dropped in one pass, grouped per project and channel URL."""

    def __init__(self, what: str) -> None:
        self.what = what  # "notification", "ping": one of them
        self.count: Counter[tuple[str, str, str]] = Counter()
        self.titles: dict[tuple[str, str, str], list[str]] = defaultdict(list)

    def add(self, project: str, url: str, why: str, title: str = "") -> None:
        key = (project, fingerprint.label(url), why)
        self.count[key] += 1
        if title and len(self.titles[key]) < TITLES:
            self.titles[key].append(title)

    def report(self) -> None:
        for (project, label, why), n in self.count.items():
            said(project, label, self.what, n, why, self.titles[(project, label, why)])


def said(project: str, label: str, what: str, n: int, why: str, titles: list[str]) -> None:
    """notify.dropped, and the mail that says the same."""
    text = f"{plural(n, what)} of {project} to {label} dropped: {why}"
    journal.emit("notify.dropped", project, text, URL=label, COUNT=n, REASON=why)
    try:
        cfg = config.load(project, live=False)
    except ConfigError:
        try:
            cfg = config.defaults(project)
        except ConfigError:
            return  # no project of that name: the journal entry is all
    body = (
        f"{text}.\n\n"
        + "".join(f"  {t}\n" for t in titles)
        + ("  ...\n" if n > len(titles) and titles else "")
        + f"\nSee why with: journalctl DJOPS_PROJECT={project} DJOPS_URL={label}\n"
        + f"--\nSent by djops on {socket.getfqdn()}.\n"
    )
    subject = f"DROPPED {plural(n, what)} to {label}"
    msg = sendmail.compose(project, "dropped", subject, body, cfg.health.mail_to)
    with contextlib.suppress(OSError):  # the outbox is full or broken: the journal entry stands
        mail.send(project, msg, cfg.health.sendmail)
