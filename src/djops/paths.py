"""Where djops keeps things on disk; overridable so tests need no root."""

import os
from pathlib import Path


def _env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name, default))


def config_dir() -> Path:
    """Per-project TOML files (`/etc/djops/P.toml`)."""
    return _env_path("DJOPS_CONFIG_DIR", "/etc/djops")


def state_dir() -> Path:
    """Outbox, migrated files and other state (`/var/lib/djops`)."""
    return _env_path("DJOPS_STATE_DIR", "/var/lib/djops")


def systemd_dir() -> Path:
    """Where drop-ins for the template units are written."""
    return _env_path("DJOPS_SYSTEMD_DIR", "/etc/systemd/system")


def project_data_dirs(project: str) -> list[str]:
    """Where a project of the reference layout keeps data, logs and cache."""
    return [f"/var/opt/{project}", f"/var/log/{project}", f"/var/cache/{project}"]


def dma_spool() -> str:
    return "/var/spool/dma"


def inproject_entry() -> Path:
    """The script the project's venv python runs (see djops.inproject)."""
    return Path(__file__).resolve().parent / "inproject" / "__main__.py"


def run_dir() -> Path:
    """Runtime state of the units (RuntimeDirectory= lives here)."""
    return _env_path("DJOPS_RUN_DIR", "/run")


def watch_changed(project: str) -> Path:
    """The files the watcher saw change, read by the reload unit's apply step
    (djops-watch.service's RuntimeDirectory=, root's alone)."""
    return run_dir() / "djops-watch" / f"changed-{project}.json"


def health_running() -> Path:
    """Present while djops-health.service runs (its RuntimeDirectory=, kept
    across restarts): found at start, the last process died unstopped."""
    return run_dir() / "djops-health" / "running"


def private_run_dir() -> Path:
    """Root's own runtime directory (0700, made by tmpfiles.d at boot and
    install): state handed between the root steps of a unit, which the
    project user's step in between cannot touch."""
    return run_dir() / "djops"


def reload_compiled(project: str) -> Path:
    """The files the reload unit's compile step compiled, for its apply step."""
    return private_run_dir() / f"reload-{project}.json"


def database_address(project: str) -> Path:
    """Where the project's database server listens, as its python last said
    (djops.health.dbaddress), for the health check's connect."""
    return state_dir() / f"database-{project}.json"


def loaded_secrets(project: str) -> Path:
    """The sensitive settings values the project's python last loaded, for
    root's relays to mask (root's, 0600; djops.adapters.secrets). The job
    units get it as the credential LOADED_SECRETS_CREDENTIAL."""
    return state_dir() / f"secrets-{project}.json"


LOADED_SECRETS_CREDENTIAL = "djops-secrets"


def pings_dir() -> Path:
    """Healthchecks pings waiting for djops-ping.service (root's, 0700)."""
    return state_dir() / "pings"


def ping_limits() -> Path:
    """The Ping-Body-Limit each ping server last said, by host (root's):
    the next run of djops-ping.service honours it from its first ping."""
    return state_dir() / "ping-body-limits.json"


def due_dir(kind: str) -> Path:
    """Requests to run a delivery service (djops.systemd.wake); the unit
    files name the same directories."""
    return state_dir() / "due" / kind
