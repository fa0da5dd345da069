"""Every djops unit name, built in this one place.

A project's units are templates instantiated with its name:
`djops-<kind>@P.service` (and `.timer` for the scheduled kinds), grouped
by `djops@P.target`; the mail queue is one per server.
"""

import re

from djops import paths
from djops.config.names import CLEARSESSIONS

RELOAD, HEARTBEAT, WATCH, HEALTH = (
    "reload",
    "heartbeat",
    "watch",
    "health",
)
SCHEDULED = (CLEARSESSIONS, HEARTBEAT)  # a timer starts them
# the long-running units: one of each for the whole host, serving every
# enabled project (djops enable adds P by enabling djops@P.target: the
# daemons read that set every few seconds, and at once on `systemctl reload`)
HEALTH_HOST, WATCH_HOST = "djops-health.service", "djops-watch.service"
HOST_DAEMONS = (WATCH_HOST, HEALTH_HOST)
# one run per start (Type=oneshot, or Type=notify until the run ends)
RUNS = (CLEARSESSIONS, RELOAD, HEARTBEAT)
MAILQUEUE = "djops-mailqueue.timer"  # one for the whole server
# started on request (djops.systemd.wake), one each for the whole server;
# djops-notify.timer retries what a channel that was down kept
WAKERS = (
    "djops-mailqueue.path",
    "djops-ping.path",
    "djops-ping.timer",
    "djops-notify.path",
    "djops-notify.timer",
)


def service(kind: str, p: str) -> str:
    return f"djops-{kind}@{p}.service"


STANDIN = "standin"  # djops-standin@P.service: restart = "handover" only


def socket(p: str) -> str:
    """djops-socket@P.socket: holds gunicorn's listening sockets ([socket] listen)."""
    return f"djops-socket@{p}.socket"


def standin(p: str) -> str:
    return service(STANDIN, p)


def timer(kind: str, p: str) -> str:
    return f"djops-{kind}@{p}.timer"


JOB = "job"  # djops-job@P:NAME.{service,timer}: one per [jobs.NAME]


def job_instance(p: str, name: str) -> str:
    return f"{p}:{name}"


def split_instance(instance: str) -> tuple[str, str]:
    """P:NAME -> (P, NAME)."""
    p, _, name = instance.partition(":")
    return p, name


def job_service(p: str, name: str) -> str:
    return service(JOB, job_instance(p, name))


def job_timer(p: str, name: str) -> str:
    return timer(JOB, job_instance(p, name))


def job_units(p: str) -> str:
    """The pattern of every job unit of P (for systemctl list-units)."""
    return f"djops-{JOB}@{job_instance(p, '*')}"


def job_name_of(unit: str) -> str | None:
    """djops-job@P:NAME.service -> NAME; None for any other unit."""
    m = _OWN.fullmatch(unit)
    return m["job"] if m and unit.startswith(f"djops-{JOB}@") else None


def job_of_unit(unit: str) -> str | None:
    """The job a unit runs: NAME of djops-job@P:NAME, or clearsessions."""
    if unit.startswith(f"djops-{CLEARSESSIONS}@"):
        return CLEARSESSIONS
    return job_name_of(unit)


def target(p: str) -> str:
    return f"djops@{p}.target"


def timers(p: str) -> list[str]:
    return [timer(kind, p) for kind in SCHEDULED]


def services(p: str) -> list[str]:
    return [service(kind, p) for kind in (*RUNS, STANDIN)]


_OWN = re.compile(r"djops-[a-z]+@(?P<p>[A-Za-z0-9_]+)(:(?P<job>[A-Za-z0-9_-]+))?\.(service|timer)")


def project_of(unit: str) -> str | None:
    """djops-X@P.service -> P; None for any other unit."""
    m = _OWN.fullmatch(unit)
    return m["p"] if m else None


def enabled(p: str) -> bool:
    """Whether djops@P.target is enabled (what `djops enable` records)."""
    return (paths.systemd_dir() / "multi-user.target.wants" / target(p)).is_symlink()


def enabled_projects() -> list[str]:
    """Projects whose djops@P.target is enabled (linked into multi-user.target)."""
    wants = paths.systemd_dir() / "multi-user.target.wants"
    return sorted(t.name[len("djops@") : -len(".target")] for t in wants.glob("djops@*.target"))
