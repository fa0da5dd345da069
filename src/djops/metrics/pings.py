"""Healthchecks-compatible pings (healthchecks.io, its self-hosted server,
Better Stack): `/start?rid=R` when a run starts, then `?rid=R` (success) or
`/<exit code>?rid=R` with the tail of the output as the body.

A run never waits on the ping server: the unit's root steps only queue the
ping in /var/lib/djops/pings/ (a rename, no network) and start
djops-ping.service without waiting; that service delivers in order, retrying
with backoff, and logs ping.failed once per ping it cannot deliver yet.
"""

import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from djops import paths
from djops.adapters import safefs
from djops.systemd import journal

TIMEOUT = 10.0
BODY_LIMIT = 10_000  # bytes, until the server says its Ping-Body-Limit
BACKOFF = (1, 2, 5, 10, 30, 60, 120, 300)
GIVE_UP = 24 * 3600.0  # a ping this old is dropped (and said so)


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


def queue(project: str, url: str, body: str = "") -> Path:
    d = paths.pings_dir()
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = {"project": project, "url": url, "body": body[-BODY_LIMIT:], "queued": time.time()}
    target = d / f"{time.time_ns():020d}-{os.getpid()}.json"
    safefs.write_json(target, data)
    return target


def deliver(limit: float = 3600.0) -> str:
    """Send the queued pings in order; wait and retry while one fails, up to
    `limit` seconds; what is still queued then waits for the next start."""
    sent = failed_once = 0
    logged: set[str] = set()
    tries = 0
    deadline = time.monotonic() + limit
    body_limit = BODY_LIMIT
    while True:
        pending = sorted(paths.pings_dir().glob("*.json")) if paths.pings_dir().is_dir() else []
        if not pending:
            return f"{sent} pings delivered"
        f = pending[0]
        try:
            ping = safefs.read_json(f)
            url, body, project = str(ping["url"]), str(ping.get("body", "")), str(ping["project"])
        except (OSError, ValueError, KeyError, TypeError):
            f.unlink(missing_ok=True)  # garbage: nothing to send
            continue
        if time.time() - float(ping.get("queued", 0)) > GIVE_UP:
            _failed(project, url, "undelivered for a day; dropped")
            f.unlink(missing_ok=True)
            continue
        try:
            body_limit = _send(url, body.encode("utf-8")[-body_limit:], body_limit)
        except (OSError, ValueError) as e:
            if f.name not in logged:
                logged.add(f.name)
                failed_once += 1
                _failed(project, url, f"{getattr(e, 'reason', None) or e}; retrying")
            if time.monotonic() > deadline:
                return f"{sent} pings delivered, {len(pending)} still queued"
            time.sleep(BACKOFF[min(tries, len(BACKOFF) - 1)])
            tries += 1
            continue
        tries = 0
        sent += 1
        f.unlink(missing_ok=True)


def _send(url: str, body: bytes, body_limit: int) -> int:
    """POST the ping; the server's Ping-Body-Limit, if it says one."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("User-Agent", "djops")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
        limit = r.headers.get("Ping-Body-Limit", "")
        if r.status >= 300:
            raise ValueError(f"HTTP {r.status}")
    return int(limit) if limit.isdigit() else body_limit


def _failed(project: str, url: str, why: str) -> None:
    # the host only: a check's URL is a token anyone holding it can ping with
    shown = urllib.parse.urlsplit(url).hostname or "?"
    text = f"ping to {shown} for {project} failed: {why}"
    journal.emit("ping.failed", project, text, REASON=why, HOST=shown)
