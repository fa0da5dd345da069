"""Which units make up a project, the drop-ins they need from its config,
and running a oneshot unit on behalf of a user at the terminal."""

import time

from djops.adapters import dropins, journal, systemctl
from djops.config import Config
from djops.errors import OperationError


def timers(p: str) -> list[str]:
    return [f"djops-clearsessions@{p}.timer"]


def daemons(p: str) -> list[str]:
    """Long-running services that `djops enable` starts."""
    return [f"djops-watch@{p}.service"]


def services(p: str) -> list[str]:
    return [f"djops-clearsessions@{p}.service", f"djops-reload@{p}.service", *daemons(p)]


def target(p: str) -> str:
    return f"djops@{p}.target"


def dropins_for(cfg: Config) -> dict[str, str]:
    """{unit: drop-in body} for every unit of the project."""
    p, user = cfg.name, cfg.project.user
    return {
        f"djops-clearsessions@{p}.service": f"[Service]\nUser={user}\n",
        f"djops-clearsessions@{p}.timer": (
            f"[Timer]\nOnCalendar=\nOnCalendar={cfg.clearsessions.schedule}\n"
        ),
        f"djops-reload@{p}.service": f"[Service]\nUser={user}\n",
    }


def all_dropin_units(p: str) -> list[str]:
    """Every unit djops may have written a drop-in for (for disable)."""
    return services(p) + timers(p)


def write_dropins(cfg: Config) -> None:
    if dropins.write(cfg.name, dropins_for(cfg)):
        systemctl.daemon_reload()


def run_oneshot(cfg: Config, unit: str, events: tuple[str, ...]) -> str:
    """Start `unit`, wait for it, and answer with the event it logged.

    Used when root types `djops clearsessions P` or `djops reload P`: the run
    gets the unit's user, sandbox, journal trail and failure mail.
    """
    write_dropins(cfg)
    since = int(time.time() * 1e6)
    ok = systemctl.start(unit)
    entry = journal.last_event(cfg.name, events, since)
    message = entry["MESSAGE"] if entry else f"{unit} finished"
    if not ok:
        raise OperationError(f"{message}\nSee: journalctl -u {unit} -n 30")
    return message
