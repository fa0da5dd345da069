"""Which units make up a project, the drop-ins they need from its config,
and running a oneshot unit on behalf of a user at the terminal."""

import hashlib
import time

from djops import paths
from djops.config import Config
from djops.errors import OperationError
from djops.systemd import dropins, journal, systemctl

MAILQUEUE = "djops-mailqueue.timer"  # one for the whole server


def timers(p: str) -> list[str]:
    return [f"djops-clearsessions@{p}.timer", f"djops-heartbeat@{p}.timer"]


def daemons(p: str) -> list[str]:
    """Long-running services that `djops enable` starts."""
    return [f"djops-watch@{p}.service", f"djops-health@{p}.service"]


def services(p: str) -> list[str]:
    return [
        f"djops-clearsessions@{p}.service",
        f"djops-reload@{p}.service",
        f"djops-heartbeat@{p}.service",
        *daemons(p),
    ]


def target(p: str) -> str:
    return f"djops@{p}.target"


def enabled_projects() -> list[str]:
    """Projects whose djops@P.target is enabled (linked into multi-user.target)."""
    wants = paths.systemd_dir() / "multi-user.target.wants"
    return sorted(t.name[len("djops@") : -len(".target")] for t in wants.glob("djops@*.target"))


def dropins_for(cfg: Config) -> dict[str, str]:
    """{unit: drop-in body} for every unit of the project."""
    p, user = cfg.name, cfg.project.user
    # the daemons read P.toml once at start: a new digest restarts them
    digest = hashlib.sha256(cfg.path.read_bytes() if cfg.path.exists() else b"").hexdigest()
    config_env = f"[Service]\nEnvironment=DJOPS_CONFIG_DIGEST={digest[:16]}\n"
    return {
        f"djops-watch@{p}.service": config_env,
        f"djops-health@{p}.service": config_env,
        f"djops-clearsessions@{p}.service": f"[Service]\nUser={user}\n",
        f"djops-clearsessions@{p}.timer": (
            f"[Timer]\nOnCalendar=\nOnCalendar={cfg.clearsessions.schedule}\n"
        ),
        # the compile step writes __pycache__ in these (root's) trees only
        f"djops-reload@{p}.service": (
            f"[Service]\nUser={user}\nReadWritePaths=-{cfg.project.code_dir} "
            f"-{cfg.project.settings_dir}\n"
        ),
        f"djops-heartbeat@{p}.timer": f"[Timer]\nOnCalendar=\nOnCalendar={cfg.health.heartbeat}\n",
        # cron mailed a failed job's output; djops mails a failed gunicorn's
        cfg.project.service: "[Unit]\nOnFailure=djops-failure@%n.service\n",
    }


def all_dropin_units(p: str, service: str) -> list[str]:
    """Every unit djops may have written a drop-in for (for disable)."""
    return [*services(p), *timers(p), service]


def write_dropins(cfg: Config) -> list[str]:
    """Write the drop-ins, daemon-reload if any changed; the changed units."""
    changed = dropins.write(cfg.name, dropins_for(cfg))
    if changed:
        systemctl.daemon_reload()
    return changed


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
