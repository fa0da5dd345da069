"""A queue giving up, loudly: what waited past its give-up time (a day), or
beyond the queue's bound, leaves the queue with one `notify.dropped` entry
at priority crit per pass, project and channel, naming the channel as it
shows it and how many went. A channel's drain (djops.channels.drain) gives
up through `giver`, before it tries anything.

Where the entries go is the channel's to say. Pings and Apprise notices are
deleted, and a mail says so too (`tell`: djops.channels.dropmail). The mail
outbox promises that nothing is lost, so its entries are kept in a
directory beside it (`keep_in`), never deleted by djops, and no mail says
it (mail is what failed); the journal entry names where they are and the
`mv` that puts them back. A kept entry is marked: moved back into its queue,
it starts a new give-up time there instead of being given up again at once.
"""

import contextlib
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from djops import safefs
from djops.channels import fingerprint, queue
from djops.systemd import journal
from djops.text import plural, span

TITLES = 20  # the dropped messages a mail names, the oldest first
MARK = "given_up"  # in a kept entry: when its queue gave it up

Load = Callable[[Path], dict | None]
Whose = Callable[[dict], tuple[str, str, str]]  # project, destination, title
# the mail that says it: project, label, what, count, why, titles
Tell = Callable[[str, str, str, int, str, list[str]], None]


def why_old(seconds: float) -> str:
    return f"undelivered for {span(seconds)}"


def why_full(what: str) -> str:
    return f"the queue held more than {queue.MAX_ENTRIES} {what}"


def expired(entries: list[Path], now: float) -> tuple[list[Path], list[Path], list[Path]]:
    """Split the queue's entries (oldest first) by their names alone: (kept,
    too old, beyond the bound)."""
    old = [p for p in entries if _old(p, now)]
    rest = [p for p in entries if p not in set(old)]
    over = rest[: max(len(rest) - queue.MAX_ENTRIES, 0)]
    return rest[len(over) :], old, over


def _old(path: Path, now: float) -> bool:
    return 0 < queue.queued_at(path) < now - queue.give_up()


def giver(
    what: str,
    whose: Whose,
    label: Callable[[str], str] = fingerprint.label,
    tell: Tell | None = None,
    keep_in: Callable[[], Path] | None = None,
) -> Callable[[list[Path], Load], list[Path]]:
    """How a channel gives up: `what` it holds ("ping"), whose an entry is
    (project, destination, title), how a destination is shown, who else is
    told, and where given-up entries are kept (None: deleted). The drain
    passes the queue's entries (oldest first) and how to read one; what
    stays in the queue comes back."""

    def give_up(entries: list[Path], load: Load) -> list[Path]:
        now = time.time()
        if keep_in is not None:
            entries = _renew_returned(entries, load, now)
        stay, old, over = expired(entries, now)
        drops = Drops(what, label, keep_in() if keep_in is not None else None)
        for group, why in ((old, why_old(queue.give_up())), (over, why_full(f"{what}s"))):
            for path in group:
                if (entry := load(path)) is None:  # read once, to say whose it was
                    continue
                if keep_in is None:
                    path.unlink(missing_ok=True)
                elif not _keep(path, entry, keep_in(), now):
                    stay.append(path)  # not kept elsewhere: stays, never lost
                    continue
                project, destination, title = whose(entry)
                drops.add(project, destination, why, title)
        drops.report(tell)
        return sorted(stay)

    return give_up


def _keep(path: Path, entry: dict, where: Path, now: float) -> bool:
    """Move a given-up entry to `where`, then mark it there; whether it moved."""
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(path, where / path.name)
    except OSError:
        return False
    entry[MARK] = now
    with contextlib.suppress(OSError):  # unmarked, it is given up again if moved back
        safefs.write_json(where / path.name, entry)
    return True


def _renew_returned(entries: list[Path], load: Load, now: float) -> list[Path]:
    """Entries moved back from where they were kept (marked, and past their
    give-up time by name) get a new name: their give-up time starts again,
    and they are tried at once."""
    out = []
    for path in entries:
        entry = load(path) if _old(path, now) else None
        if entry is None or MARK not in entry:
            out.append(path)
            continue
        for key in (MARK, "reported", "last_error"):
            entry.pop(key, None)
        entry["attempts"], entry["next_try"] = 0, 0.0
        new = path.with_name(queue.name())
        try:
            os.replace(path, new)  # renamed first: it is never in the queue twice
            safefs.write_json(new, entry)
        except OSError:
            out.append(path if path.exists() else new)
            continue
        out.append(new)
    return sorted(out)


class Drops:
    """The entries given up in one pass, grouped per project and channel:
    one journal entry each, whatever the reasons."""

    def __init__(
        self, what: str, label: Callable[[str], str] = fingerprint.label, kept: Path | None = None
    ) -> None:
        self.what = what  # "notification", "ping", "mail": one of them
        self.label = label
        self.kept = kept  # where the entries are kept; None: deleted
        self.count: dict[tuple[str, str], int] = defaultdict(int)
        self.whys: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.titles: dict[tuple[str, str], list[str]] = defaultdict(list)

    def add(self, project: str, destination: str, why: str, title: str = "") -> None:
        key = (project, self.label(destination))
        self.count[key] += 1
        if why not in self.whys[key]:
            self.whys[key].append(why)
        if title and len(self.titles[key]) < TITLES:
            self.titles[key].append(title)

    def report(self, tell: Tell | None = None) -> None:
        for (project, label), n in self.count.items():
            why = "; ".join(self.whys[(project, label)])
            self._journal(project, label, n, why)
            if tell is not None:
                tell(project, label, self.what, n, why, self.titles[(project, label)])

    def _journal(self, project: str, label: str, n: int, why: str) -> None:
        if self.kept is None:
            text = summary(project, label, self.what, n, why)
            journal.emit("notify.dropped", project, text, URL=label, COUNT=n, REASON=why)
            return
        text = (
            f"{plural(n, self.what)} of {project} to {label} given up: {why}; "
            f"kept in {self.kept}/, re-queue with: {requeue(self.kept)}"
        )
        journal.emit(
            "notify.dropped", project, text, URL=label, COUNT=n, REASON=why, KEPT=str(self.kept)
        )


def summary(project: str, label: str, what: str, n: int, why: str) -> str:
    """What a dropped (deleted) group is, in the journal and in the mail."""
    return f"{plural(n, what)} of {project} to {label} dropped: {why}"


def requeue(kept: Path) -> str:
    """The one command that puts kept entries back in their queue (the
    directory beside them), where they are tried at once."""
    return f"mv {kept}/*.json {kept.parent}/"
