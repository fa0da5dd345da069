"""The pings channel: healthchecks-compatible pings (healthchecks.io, its self-hosted server,
Better Stack): `/start?rid=R` when a run starts, then `?rid=R` (success) or
`/<exit code>?rid=R` with the tail of the output as the body.

A run never waits on the ping server: the unit's root steps only queue the
ping in /var/lib/djops/pings/ (a rename, no network) and start
djops-ping.service without waiting; that service delivers them through the
one drain (djops.channels.drain), strictly in the order they were queued,
retrying with backoff (1 s up to 5 min, kept in each entry) for up to an
hour a run, then again whenever djops-ping.timer starts it (every five
minutes, as djops-notify.timer and djops-mailqueue.timer), and logs
ping.failed once per ping it cannot deliver yet (tried, or waiting behind
one); an unreadable entry is moved aside. A ping undelivered for a day, or beyond the queue's bound, is dropped with
notify.dropped (djops.channels.dropped). A ping URL is a token: it is named
by its scheme and fingerprint only (djops.channels.fingerprint).

A server's `Ping-Body-Limit` (0 included: no body at all) is kept per host
in root's state directory, so every later ping to it, in this run or the
next, stays within it. A redirect to another host is not followed: the
body (a job's output) goes only where the config says.
"""

import contextlib
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from djops import paths, safefs
from djops.channels import drain, dropmail, dropped, fingerprint, queue
from djops.channels.channel import Channel
from djops.config import Config
from djops.systemd import journal, wake
from djops.text import plural, printable

NAME, SERVICE, FAILED = "pings", "djops-ping.service", "ping.failed"
# djops-ping.service retries for up to an hour; its timer starts it again
WAKERS = ("djops-ping.path", "djops-ping.timer")
TIMEOUT = 10.0
BODY_LIMIT = 10_000  # bytes, until the server says its Ping-Body-Limit
BACKOFF = (1, 2, 5, 10, 30, 60, 120, 300)


def rid(invocation: str) -> str:
    """systemd's invocation ID (32 hex digits) as the UUID a run id must be."""
    try:
        return str(uuid.UUID(hex=invocation))
    except ValueError:
        return str(uuid.uuid4())


def url_for(base: str, run: str, kind: str) -> str:
    """kind: "start", "success", or an exit status."""
    base = base.rstrip("/")
    path = "" if kind == "success" else f"/{kind}"
    return f"{base}{path}?rid={run}"


def keep(project: str, url: str, body: str = "", base: str = "") -> Path:
    """Keep one ping; `base`: the configured ping_url it was made from (the
    channel, named by its fingerprint whatever the run and the kind)."""
    data = {
        "project": project,
        "url": url,
        "base": base or url,
        "body": body[-BODY_LIMIT:],
        "queued": time.time(),
    }
    return queue.put(paths.pings_dir(), data)


def kick() -> None:
    """Ask djops-ping.service to deliver what is kept, without waiting."""
    wake.request(NAME, SERVICE)


def urls(cfg: Config) -> list[str]:
    """Every ping_url P's config sets: [clearsessions], [health] (the
    heartbeat's) and each [jobs.NAME]. Each is a token."""
    found = [cfg.clearsessions.ping_url, cfg.health.ping_url]
    found += [job.ping_url for job in cfg.jobs.values()]
    return [u for u in found if u]


def summary(cfg: Config) -> str:
    """Its line in djops status and the heartbeat: P's pings waiting."""
    if not urls(cfg):
        return "none (no ping_url)"
    return f"{len(pending(cfg.name))} waiting"


def pending(project: str | None = None) -> list[Path]:
    return queue.pending_of(paths.pings_dir(), project)


def deliver(limit: float = 3600.0) -> str:
    """Send the queued pings in order; wait and retry while one fails, up to
    `limit` seconds; what is still queued then waits for the next start
    (djops-ping.timer's, at most five minutes on, or a run's ping)."""
    sent, waiting = drain.run(PINGS, limit)
    return f"{plural(sent, 'ping')} delivered" + (f", {waiting} still queued" if waiting else "")


def _send_one(path: Path, ping: dict) -> None:
    """POST one ping within its server's body limit; learn the limit it says."""
    url, body = ping["url"], str(ping.get("body", ""))
    host, limits = _host(url), _limits()
    try:
        said = _send(url, _tail(body.encode("utf-8"), limits.get(host, BODY_LIMIT)))
    except (OSError, ValueError, http.client.HTTPException) as e:
        # what a request can raise: refused, timed out, a redirect not
        # followed (ValueError), an answer that is not HTTP (BadStatusLine,
        # IncompleteRead, LineTooLong): the ping stays queued
        why = str(getattr(e, "reason", None) or e) or type(e).__name__
        raise drain.Undelivered(why) from None
    if said is not None and limits.get(host) != said:
        limits[host] = said
        _keep(limits)


def _backoff(attempts: int) -> float:
    return BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]


def _base(ping: dict) -> str:
    """The configured ping_url a ping was made from: the channel it goes to."""
    return str(ping.get("base") or ping["url"])


def _kept(path: Path, ping: dict, why: str, delay: float | None) -> None:
    _failed(ping["project"], _base(ping), f"{why}; retrying" if delay is not None else why)


PINGS = drain.Drain(
    directory=paths.pings_dir,
    fields={"project": str, "url": str},
    send=_send_one,
    line=lambda path, ping: "",  # one line: pings go strictly in the order they were queued
    kept=_kept,
    unreadable=(FAILED, "ping", "QUEUE"),
    give_up=dropped.giver(
        "ping", lambda ping: (ping["project"], _base(ping), ""), tell=dropmail.tell
    ),
    backoff=_backoff,
)


def _tail(body: bytes, limit: int) -> bytes:
    """The last `limit` bytes (`body[-0:]` would be all of it)."""
    return body[-limit:] if limit > 0 else b""


def _host(url: str) -> str:
    """Whom a limit belongs to: host and port, as the URL names them."""
    parts = urllib.parse.urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or ''}"


def _limits() -> dict[str, int]:
    try:
        data = safefs.read_json(paths.ping_limits())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, int) and v >= 0}


def _keep(limits: dict[str, int]) -> None:
    """Best effort: without the file, the next run learns the limit again."""
    with contextlib.suppress(OSError):
        safefs.write_json(paths.ping_limits(), limits)


class _SameHostOnly(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the ping URL's own scheme, host and port."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (old.scheme, old.netloc.lower()) != (new.scheme, new.netloc.lower()):
            raise ValueError(
                f"HTTP {code} redirect to {new.hostname or '?'}, another host: not followed"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _send(url: str, body: bytes) -> int | None:
    """POST the ping; the server's Ping-Body-Limit, if it says one."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("User-Agent", "djops")
    opener = urllib.request.build_opener(_SameHostOnly)
    with opener.open(request, timeout=TIMEOUT) as r:
        limit = r.headers.get("Ping-Body-Limit", "").strip()
        if r.status >= 300:
            raise ValueError(f"HTTP {r.status}")
    return int(limit) if limit.isascii() and limit.isdigit() else None


def _failed(project: str, base: str, why: str) -> None:
    # scheme and fingerprint only: a check's URL is a token anyone holding it can ping with
    shown = fingerprint.label(base)
    # an exception's text may quote the server, or the URL
    why = printable(fingerprint.scrub(why, base), newlines=False)
    text = f"ping to {shown} for {project} failed: {why}"
    journal.emit(FAILED, project, text, REASON=why, URL=shown)


CHANNEL = Channel(
    name=NAME,
    label="pings",
    deliver=deliver,
    fingerprint=fingerprint.label,
    urls=urls,
    summary=summary,
    queue=PINGS,
    failed=FAILED,
    service=SERVICE,
    wakers=WAKERS,
    announce=None,  # a run's pings, not a notice
)
