"""The notify channel: [notify] urls (chat, push, webhooks) through Debian's
`apprise` package (djops.channels.apprise), when it is installed (Suggests:;
`djops check` and `djops enable` say when urls are set without it).

An announcement becomes one entry per URL in /var/lib/djops/notify/ (the
durable queue); djops-notify.service (`djops flush-notify`) delivers them
oldest first through the one drain (djops.channels.drain), for up to ten
minutes; djops-notify.timer starts it again for what waits longer. A URL
that fails holds back only its own later messages (so they still arrive in
order), retried with backoff; notify.failed is logged once per message. A
message undelivered for a day, or beyond the queue's bound, is dropped with
notify.dropped (djops.channels.dropped).
"""

import contextlib
import os
import time
from pathlib import Path

from djops import paths, safefs
from djops.channels import apprise, chat, drain, dropmail, dropped, fingerprint, queue
from djops.channels.channel import Channel
from djops.channels.notice import Notice
from djops.config import Config
from djops.events import ERR, INFO, PRIORITY_NAMES
from djops.systemd import journal, wake
from djops.text import span

NAME, SERVICE, FAILED = "notify", "djops-notify.service", "notify.failed"
# djops-notify.service retries for ten minutes; its timer starts it again
WAKERS = ("djops-notify.path", "djops-notify.timer")
MAX_BODY = 32_000  # characters; each Apprise service shortens further as it must

# the journal priority of what each kind announces; a recovery has its
# alert's, so it goes wherever the alert it ends went. The heartbeat goes
# to chat only with min_priority = "info" (or "debug"); a successful job's
# output is mail only.
PRIORITY = {"alert": ERR, "reminder": ERR, "recovery": ERR, "failure": ERR, "heartbeat": INFO}


def directory() -> Path:
    """The queue: one JSON entry per message and URL (djops.channels.queue)."""
    return paths.state_dir() / "notify"


def announce(cfg: Config, notice: Notice) -> None:
    """A chat notice to each [notify] url, for the kinds that reach
    min_priority: the mail's subject as its title and the notice's short
    lines (or the body's first line), typed by severity."""
    if not cfg.notify.urls or not goes_out(cfg, notice.kind):
        return
    short = chat.body(notice.lines if notice.lines else notice.body.strip().split("\n")[:1])
    kind_type = notice.severity if notice.severity in chat.TYPES else chat.kind_type(notice.kind)
    send(cfg.name, cfg.notify.urls, notice.title, short, kind_type)


def goes_out(cfg: Config, kind: str) -> bool:
    """Whether `kind` reaches [notify] min_priority (a lower number is more urgent)."""
    priority = PRIORITY.get(kind)
    return priority is not None and priority <= PRIORITY_NAMES.index(cfg.notify.min_priority)


def send(
    project: str, urls: list[str], title: str, body: str, kind_type: str = chat.INFO
) -> list[Path]:
    """Keep one entry per URL, then ask djops-notify.service to deliver."""
    kept = [
        queue.put(
            directory(),
            {
                "project": project,
                "url": u,
                "title": title,
                "body": body[-MAX_BODY:],
                "type": kind_type,
            },
        )
        for u in urls
    ]
    wake.request(NAME, SERVICE)
    if not os.path.isdir(paths.systemd_booted()):
        flush()  # no systemd (tests, a chroot): deliver here
    return kept


def pending(project: str | None = None) -> list[Path]:
    return queue.pending_of(directory(), project)


def summary(cfg: Config) -> str:
    """What djops status and the heartbeat say after the URLs (each by its
    fingerprint, djops.channels.registry.shown): last delivered, waiting."""
    if not cfg.notify.urls:
        return "none ([notify] urls is empty)"
    when = last_delivered().get(cfg.name)
    last = time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when else "never"
    missing = "" if apprise.available() else "; Apprise is not installed: apt install apprise"
    return f"last delivered {last}; {len(pending(cfg.name))} waiting{missing}"


def run(limit: float = 600.0) -> str:
    """djops-notify.service: deliver until nothing waits or `limit` passes."""
    delivered, waiting = drain.run(QUEUE, limit)
    return f"notifications: {delivered} delivered, {waiting} waiting"


def flush() -> tuple[int, int, float]:
    """One pass: (delivered, still waiting, seconds until the next is due)."""
    return drain.flush(QUEUE)


def _send_one(path: Path, entry: dict) -> None:
    apprise.deliver(entry["url"], entry["title"], entry["body"], _type(entry))
    _stamp(entry["project"])


def _type(entry: dict) -> str:
    kind = entry.get("type")
    return kind if kind in chat.TYPES else chat.INFO  # an entry from before types: info


def _kept(path: Path, entry: dict, why: str, delay: float | None) -> None:
    """notify.failed, once per undelivered message (the drain marks its entry)."""
    why = why if delay is None else f"retry in {span(delay)}: {why}"
    label = fingerprint.label(entry["url"])
    journal.emit(
        FAILED,
        entry["project"],
        f"notification {entry['title']!r} to {label} kept, {why}",
        REASON=why,
        URL=label,
        QUEUE=str(path),
    )


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


QUEUE = drain.Drain(
    directory=directory,
    fields={"project": str, "url": str, "title": str, "body": str},
    send=_send_one,
    line=lambda path, entry: entry["url"],  # a URL that is down holds back only its own
    kept=_kept,
    unreadable=(FAILED, "notification", "QUEUE"),
    give_up=dropped.giver(
        "notification", lambda e: (e["project"], e["url"], e["title"]), tell=dropmail.tell
    ),
)


CHANNEL = Channel(
    name=NAME,
    label="notify",
    deliver=run,
    fingerprint=fingerprint.label,
    urls=lambda cfg: cfg.notify.urls,
    summary=summary,
    queue=QUEUE,
    failed=FAILED,
    service=SERVICE,
    wakers=WAKERS,
    announce=announce,
)
