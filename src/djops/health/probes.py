"""The health checks. Each returns (ok, one line) and bounds its own time.

service: P.service active · http: GET url, fails on no answer, >= 500 or
timeout · disk: free space where data, logs and cache live · mailqueue:
nothing stuck in dma's spool or djops' outbox for over an hour ·
clearsessions, jobs: a successful run within twice the schedule · database: the
PostgreSQL or MariaDB server of the settings accepts a connection (no
credentials, no Python process: the address was learned beforehand).
"""

import os
import shutil
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from djops import paths
from djops.channels import mailqueue as queue
from djops.config import Config
from djops.events import JOB_SKIPPED
from djops.health import dbaddress
from djops.jobs.policy import lapses, pause_store
from djops.systemd import history, journal, systemctl, units
from djops.text import plural, printable

Result = tuple[bool, str]
TIMEOUT = 10.0
MIN_FREE_FRACTION = 0.05


def service(cfg: Config) -> Result:
    s = systemctl.show(cfg.project.service, "ActiveState", "SubState")
    state = f"{s.get('ActiveState', '?')} ({s.get('SubState', '?')})"
    return s.get("ActiveState") == "active", f"{cfg.project.service} {state}"


def http(cfg: Config) -> Result:
    url = cfg.health.url
    shown = shown_url(url)
    try:
        code = _status_of(url)
    except (OSError, ValueError) as e:
        return False, f"GET {shown}: {getattr(e, 'reason', None) or e}"
    return code < 500, f"GET {shown}: HTTP {code}"


def shown_url(url: str) -> str:
    """The URL as logged and mailed: no user:password@, no query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path or '/'}" + ("?..." if parts.query else "")


def _auth_header(parts) -> str:
    """user:password@ in the URL becomes Basic auth, never part of Host:."""
    if parts.username is None:
        return ""
    from base64 import b64encode
    from urllib.parse import unquote

    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return "Basic " + b64encode(pair.encode("utf-8")).decode("ascii")


def _status_of(url: str) -> int:
    """The status of GET url, redirects not followed (a redirect is an answer).

    Plain http (the usual local probe) is spoken over a socket: importing
    urllib and ssl would cost the long-running daemon 10 MB for nothing.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    host_header = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    auth = _auth_header(parts)
    if parts.scheme != "http":
        import urllib.error
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        clean = f"{parts.scheme}://{host_header}{path}"
        request = urllib.request.Request(clean, headers={"Authorization": auth} if auth else {})
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=TIMEOUT) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
    with socket.create_connection((host, port or 80), timeout=TIMEOUT) as conn:
        conn.settimeout(TIMEOUT)
        request = (
            f"GET {path} HTTP/1.0\r\nHost: {host_header}\r\n"
            + (f"Authorization: {auth}\r\n" if auth else "")
            + "User-Agent: djops-health\r\nConnection: close\r\n\r\n"
        )
        conn.sendall(request.encode("latin-1", "replace"))
        head = conn.recv(64).split(b"\r\n", 1)[0].split()
    if len(head) < 2 or not head[0].startswith(b"HTTP/") or not head[1].isdigit():
        raise ValueError(f"not an HTTP answer: {b' '.join(head)[:40]!r}")
    return int(head[1])


def disk(cfg: Config) -> Result:
    p = cfg.name
    worst: tuple[float, str] | None = None
    for d in paths.project_data_dirs(p):
        if not os.path.isdir(d):
            continue
        u = shutil.disk_usage(d)
        free = u.free / u.total if u.total else 1.0
        if worst is None or free < worst[0]:
            worst = (free, f"{d}: {u.free / 2**30:.1f} GiB free ({free:.0%})")
    if worst is None:
        return True, "no data, log or cache directory to check"
    return worst[0] >= MIN_FREE_FRACTION, worst[1]


def mailqueue(cfg: Config) -> Result:
    return queue.health()


# unit -> (the time of its last success, a holder holding too long), per run
_last_done = history.SinceExit()


def _on_time(
    cfg: Config,
    service: str,
    timer: str,
    schedule: str,
    event: str,
    job: str,
    timeout: float | None = None,
) -> Result:
    """A success within twice the schedule's period: here (`event`), or on
    the host a skip (job.skipped) names, by when the database says a host
    last finished with exit 0 (a skip alone proves nothing: anyone can hold
    the claim's lock, the project user can write its table). Fails, too,
    while the newest skip saw the holder's claim run longer than `timeout`.
    The journal is read only when the service ran again since; between
    runs only the age moves."""
    period = lapses.period(schedule)

    def read() -> tuple[float | None, str]:
        # one clearsessions per project: its events, old ones without DJOPS_JOB too
        own = journal.last_event(cfg.name, (event,), job=job if event == "job.done" else None)
        other = journal.last_event(cfg.name, (JOB_SKIPPED,), job=job)
        own_at = own["__REALTIME_TIMESTAMP"].timestamp() if own else None
        stamps = [x for x in (own_at, _succeeded_at(other)) if x is not None]
        return (max(stamps) if stamps else None), _holding_too_long(other, own_at, timeout)

    succeeded, stuck = _last_done.get(service, read)
    if stuck:
        return False, stuck
    if period is None:  # systemd cannot say how often: report, do not judge
        every, limit = "schedule period unknown, not judged", float("inf")
    else:
        every, limit = f"schedule every {_hours(period)}", 2 * period
    if succeeded is not None:
        age = time.time() - succeeded
        return age <= limit, f"last run {_hours(age)} ago ({every})"
    since = systemctl.show(timer, "ActiveEnterTimestampMonotonic").get(
        "ActiveEnterTimestampMonotonic", "0"
    )
    up = time.monotonic() - int(since) / 1e6 if since.isdigit() and since != "0" else 0
    return up <= limit, f"no successful run yet ({timer} active {_hours(up)}; {every})"


def _number(entry: dict, field: str) -> float | None:
    try:
        value = float(entry[field])
    except (KeyError, TypeError, ValueError):
        return None
    return value if 0 <= value < float("inf") else None


def _succeeded_at(skip: dict | None) -> float | None:
    """When, by a skip, a host last finished the job with exit 0."""
    if not skip or (ago := _number(skip, "DJOPS_SUCCEEDED_AGO")) is None:
        return None
    return skip["__REALTIME_TIMESTAMP"].timestamp() - ago


def _holding_too_long(skip: dict | None, own_at: float | None, timeout: float | None) -> str:
    """The newest skip (no success here since) saw a claim older than `timeout`."""
    if not skip or timeout is None or (held := _number(skip, "DJOPS_HELD_FOR")) is None:
        return ""
    if own_at is not None and own_at >= skip["__REALTIME_TIMESTAMP"].timestamp():
        return ""
    if held <= timeout:
        return ""
    holder = printable(str(skip.get("DJOPS_HOLDER", "?")), newlines=False)[:100]
    return (
        f"{holder} held the claim for {_hours(held)}, longer than its timeout of {_hours(timeout)}"
        " (a run that hangs, or a session holding its lock)"
    )


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 360 else f"{seconds / 60:.0f} min"


def clearsessions(cfg: Config) -> Result:
    p, kind = cfg.name, units.CLEARSESSIONS
    if policy := lapses.problems(cfg, [kind]):  # slow, missed, failing: djops.jobs.policy.lapses
        return False, "; ".join(policy)
    if pause_store.active(p, kind):
        return True, pause_store.shown(pause_store.active(p, kind))
    return _on_time(
        cfg,
        units.service(kind, p),
        units.timer(kind, p),
        cfg.clearsessions.schedule,
        "clearsessions.done",
        units.CLEARSESSIONS,
    )


def jobs(cfg: Config) -> Result:
    """Every scheduled job succeeded within twice its period (as clearsessions)."""
    late, fine = lapses.problems(cfg, list(cfg.jobs)), 0  # slow, missed, failing
    for name, job in cfg.jobs.items():
        if job.schedule == "@reboot" or pause_store.active(cfg.name, name):
            continue
        ok, detail = _on_time(
            cfg,
            units.job_service(cfg.name, name),
            units.job_timer(cfg.name, name),
            job.schedule,
            "job.done",
            job=name,
            timeout=job.timeout_seconds,
        )
        if ok:
            fine += 1
        else:
            late.append(f"{name}: {detail}")
    if late:
        return False, "; ".join(late)
    return (
        True,
        f"{plural(fine, 'job')} on time: each succeeded within twice its period, or is not due yet",
    )


def database(cfg: Config) -> Result:
    """Connect and close. PostgreSQL logs nothing for a connection that sends
    nothing; MariaDB's greeting is read, so a server that accepts but cannot
    serve is caught too."""
    addr = dbaddress.load(cfg.name)
    where = dbaddress.shown(addr)
    try:
        if addr.get("unix"):
            if problem := dbaddress.socket_problem(addr["vendor"], addr["unix"]):
                return False, f"{where}: {problem}"
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(TIMEOUT)
            conn.connect(addr["unix"])
        else:
            if not 0 < addr["port"] < 65536:
                return False, f"{where}: not a TCP port"
            conn = socket.create_connection((addr["host"], addr["port"]), timeout=TIMEOUT)
        with conn:
            greeting = dbaddress.SERVERS[addr["vendor"]].greeting
            if greeting and (why := greeting(conn)):
                return False, f"{where}: {why}"
    except (OSError, KeyError) as e:
        return False, f"{where}: {getattr(e, 'strerror', None) or e}"
    return True, f"{where} accepts connections"


CHECKS: dict[str, tuple[Callable[[Config], Result], bool]] = {
    # name -> (check, whether a restart of P.service can heal it)
    "service": (service, True),
    "http": (http, True),
    "disk": (disk, False),
    "mailqueue": (mailqueue, False),
    "clearsessions": (clearsessions, False),
    "database": (database, False),  # a restart of P cannot heal the database
    "jobs": (jobs, False),
}


def enabled(cfg: Config) -> list[str]:
    """The checks of this round: http when there is a URL, database when the
    settings use a database server (it can change with a reload)."""
    off = {"http"} if not cfg.health.url else set()
    if not dbaddress.load(cfg.name):
        off.add("database")
    if not cfg.jobs:
        off.add("jobs")
    return [name for name in CHECKS if name not in off]


def run(name: str, cfg: Config) -> Result:
    try:
        return CHECKS[name][0](cfg)
    except Exception as e:  # a broken check is a failing check, never a dead daemon
        return False, f"check {name} could not run: {type(e).__name__}: {e}"
