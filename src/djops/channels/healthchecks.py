"""The healthchecks channel: healthchecks-compatible pings (healthchecks.io, its self-hosted server,
Better Stack): `/start?rid=R` when a run starts, then `?rid=R` (success) or
`/<exit code>?rid=R` with the tail of the output as the body.

A run never waits on the ping server: the unit's root steps only queue the
ping in /var/lib/djops/pings/ (a rename, no network) and start
djops-ping.service without waiting; that service delivers in order, retrying
with backoff, and logs ping.failed once per ping it cannot deliver yet. A
ping undelivered for a day, or beyond the queue's bound, is dropped with
notify.dropped (djops.channels.dropped). A ping URL is a token: it is named
by its scheme and fingerprint only (djops.channels.fingerprint).

A server's `Ping-Body-Limit` (0 included: no body at all) is kept per host
in root's state directory, so every later ping to it, in this run or the
next, stays within it. A redirect to another host is not followed: the
body (a job's output) goes only where the config says.
"""

import contextlib
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from djops import paths, safefs
from djops.channels import dropped, fingerprint
from djops.channels import queue as durable
from djops.systemd import journal
from djops.text import plural, printable

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


def queue(project: str, url: str, body: str = "", base: str = "") -> Path:
    """Keep one ping; `base`: the configured ping_url it was made from (the
    channel, named by its fingerprint whatever the run and the kind)."""
    data = {
        "project": project,
        "url": url,
        "base": base or url,
        "body": body[-BODY_LIMIT:],
        "queued": time.time(),
    }
    return durable.put(paths.pings_dir(), data)


def deliver(limit: float = 3600.0) -> str:
    """Send the queued pings in order; wait and retry while one fails, up to
    `limit` seconds; what is still queued then waits for the next start."""
    sent = failed_once = 0
    logged: set[str] = set()
    tries = 0
    deadline = time.monotonic() + limit
    limits = _limits()
    while True:
        pending = _give_up(durable.pending(paths.pings_dir()))
        if not pending:
            return f"{plural(sent, 'ping')} delivered"
        f = pending[0]
        ping = _read(f)
        if ping is None:
            f.unlink(missing_ok=True)  # garbage: nothing to send
            continue
        url, body, project = str(ping["url"]), str(ping.get("body", "")), str(ping["project"])
        base = str(ping.get("base") or url)
        host = _host(url)
        try:
            said = _send(url, _tail(body.encode("utf-8"), limits.get(host, BODY_LIMIT)))
        except (OSError, ValueError) as e:
            if f.name not in logged:
                logged.add(f.name)
                failed_once += 1
                _failed(project, base, f"{getattr(e, 'reason', None) or e}; retrying")
            if time.monotonic() > deadline:
                return f"{plural(sent, 'ping')} delivered, {len(pending)} still queued"
            time.sleep(BACKOFF[min(tries, len(BACKOFF) - 1)])
            tries += 1
            continue
        tries = 0
        sent += 1
        f.unlink(missing_ok=True)
        if said is not None and limits.get(host) != said:
            limits[host] = said
            _keep(limits)


def _read(f: Path) -> dict | None:
    try:
        ping = safefs.read_json(f)
        return ping if isinstance(ping, dict) and "url" in ping and "project" in ping else None
    except (OSError, ValueError):
        return None


def _give_up(pending: list[Path]) -> list[Path]:
    """Drop what waited past the give-up time or lies beyond the bound
    (read once, to say whose it was); what is left, oldest first."""
    kept, old, over = dropped.expired(pending, time.time())
    drops = dropped.Drops("ping")
    for group, why in (
        (old, dropped.why_old(durable.give_up())),
        (over, dropped.why_full("pings")),
    ):
        for f in group:
            ping = _read(f)
            f.unlink(missing_ok=True)
            if ping is not None:
                drops.add(str(ping["project"]), str(ping.get("base") or ping["url"]), why)
    drops.report()
    return kept


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
    journal.emit("ping.failed", project, text, REASON=why, URL=shown)
