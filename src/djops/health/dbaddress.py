"""Where the project's database server listens, learned from the settings by
the project's python and kept in /var/lib/djops/database-P.json, so the
health check `database` can connect every round without credentials and
without starting a Python process. Learned at `djops enable` and after
every applied reload (the settings may have moved the database), each time
in a transient unit of its own (djops.systemd.transient): the project's code
never runs inside a root unit it could outlive its step in."""

import os
import pwd
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from djops import paths, safefs
from djops.bridge import project_python
from djops.config import Config
from djops.systemd import transient

TIMEOUT = 60.0


def _mysql_greeting(conn: socket.socket) -> str:
    """MariaDB/MySQL speak first: a server that accepts but cannot serve is caught."""
    greeting = conn.recv(5)
    if len(greeting) < 5 or greeting[4] not in (10, 0xFF):
        return "no MySQL greeting"
    if greeting[4] == 0xFF:
        return "the server refuses new connections"
    return ""


@dataclass(frozen=True)
class Server:
    """Root's side of a database vendor (the project's side: djops.inproject.vendors)."""

    user: str  # who runs it (Debian's package): only a socket of theirs is connected to
    # what the server says on connecting: "" when it can serve, else why not
    # (None: it says nothing; PostgreSQL logs nothing for a connection that sends nothing)
    greeting: Callable[[socket.socket], str] | None = None


SERVERS = {"postgresql": Server("postgres"), "mysql": Server("mysql", _mysql_greeting)}


def learn(cfg: Config) -> str:
    """Ask the project's python, keep the answer; one line saying what it found."""
    res = project_python.run(cfg, "dbaddress", timeout=TIMEOUT)
    if not res.ok:
        return f"the database address of {cfg.name} is unknown: {res.data.get('error')}"
    data = {k: res.data[k] for k in ("vendor", "unix", "host", "port") if k in res.data}
    safefs.write_json(paths.database_address(cfg.name), data, mode=0o644)
    return f"the database of {cfg.name}: {shown(data)}"


def learn_isolated(cfg: Config) -> str:
    """`learn`, in its own transient unit when called as root from anywhere
    else (a reload's root step, `djops enable`); one line either way."""
    if transient.inside():
        return learn(cfg)
    proc = transient.run(
        # no "-": the sandbox of the djops-.service.d prefix drop-in (a
        # read-only /var/lib/djops) is not for this root step
        f"djops_learn_{cfg.name}_{os.getpid()}",
        ["/usr/bin/djops", "health", "--learn-database", cfg.name],
        TIMEOUT,
    )
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[-1] if lines else f"the database address of {cfg.name} is unknown"


def load(project: str) -> dict[str, Any]:
    """The last learned address; {} when none or unreadable (no check then)."""
    try:
        data = safefs.read_json(paths.database_address(project))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("vendor") not in SERVERS:
        return {}
    if isinstance(data.get("unix"), str) and os.path.isabs(data["unix"]):
        return data
    if isinstance(data.get("host"), str) and isinstance(data.get("port"), int):
        return data
    return {}


def socket_problem(vendor: str, path: str) -> str:
    """ "" when `path` is a socket the database server's user owns; else why
    not, the same words whether it is missing, a file or someone else's: the
    root health daemon connects there, and the project's python said the
    path (one under /root must not tell whether something exists)."""
    user = SERVERS[vendor].user if vendor in SERVERS else ""
    why = f"not a socket of the {vendor} server's user ({user or '?'}): not connected"
    try:
        st = os.lstat(path)
        uid = pwd.getpwnam(user).pw_uid if user else None
    except (OSError, KeyError, ValueError):
        return why
    if not stat.S_ISSOCK(st.st_mode) or st.st_uid != uid or uid == 0:
        return why
    return ""


def shown(data: dict[str, Any]) -> str:
    if data.get("unix"):
        return f"{data.get('vendor')} at {data['unix']}"
    if data.get("host"):
        return f"{data.get('vendor')} at {data['host']}:{data.get('port')}"
    return str(data.get("vendor") or "no database server (SQLite)")
