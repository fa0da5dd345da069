"""The health checks. Each returns (ok, one line) and bounds its own time.

service: P.service active · http: GET url, fails on no answer, >= 500 or
timeout (djops.health.http_probe) · disk: free space where data, logs and
cache live · mailqueue: nothing stuck in dma's spool or djops' outbox for
over an hour · clearsessions, jobs: a successful run within twice the
schedule (djops.health.on_time) · database: the PostgreSQL or MariaDB
server of the settings accepts a connection (no credentials, no Python
process: the address was learned beforehand).
"""

import os
import shutil
import socket
from collections.abc import Callable

from djops import paths
from djops.channels import mail as mailchannel
from djops.config import Config
from djops.health import check, dbaddress, http_probe, on_time
from djops.health.check import Result
from djops.systemd import systemctl

MIN_FREE_FRACTION = 0.05


def service(cfg: Config) -> Result:
    s = systemctl.show(cfg.project.service, "ActiveState", "SubState")
    state = f"{s.get('ActiveState', '?')} ({s.get('SubState', '?')})"
    return s.get("ActiveState") == "active", f"{cfg.project.service} {state}"


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
    return mailchannel.health()


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
            conn.settimeout(check.TIMEOUT)
            conn.connect(addr["unix"])
        else:
            if not 0 < addr["port"] < 65536:
                return False, f"{where}: not a TCP port"
            conn = socket.create_connection((addr["host"], addr["port"]), timeout=check.TIMEOUT)
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
    "http": (http_probe.http, True),
    "disk": (disk, False),
    "mailqueue": (mailqueue, False),
    "clearsessions": (on_time.clearsessions, False),
    "database": (database, False),  # a restart of P cannot heal the database
    "jobs": (on_time.jobs, False),
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
