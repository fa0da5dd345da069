"""Every path of the host djops reads or writes, in one place.

On a server each is the path written here. DJOPS_ROOT (the unit tests set
it to a temporary tree) moves all of them under another directory, so a
test neither reads the host's state nor writes to it; DJOPS_CONFIG_DIR,
DJOPS_STATE_DIR, DJOPS_SYSTEMD_DIR and DJOPS_RUN_DIR move one directory."""

import os
from pathlib import Path

ROOT_VARIABLE = "DJOPS_ROOT"

# defaults of config keys (djops.config.schema), shown as written here and
# taken through host() by the loader; {project} is the project's name
CODE_DIR = "/opt/{project}"  # the reference layout
VENV = "/opt/{project}/venv"
SETTINGS_DIR = "/etc/opt/{project}"
SENDMAIL = "/usr/sbin/sendmail"
TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"


def root() -> Path:
    """Where the host's file system starts: "/" but in the unit tests."""
    return Path(os.environ.get(ROOT_VARIABLE) or "/")


def host(path: str) -> Path:
    """`path`, an absolute path as on a server, under root()."""
    return root() / path.lstrip("/")


def _env_path(name: str, default: str) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else host(default)


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
    return [
        str(host(d))
        for d in (f"/var/opt/{project}", f"/var/log/{project}", f"/var/cache/{project}")
    ]


def dma_spool() -> str:
    return str(host("/var/spool/dma"))


def dma() -> str:
    """dma itself, for `dma -q` (its queue run)."""
    return str(host("/usr/sbin/dma"))


def mailname() -> Path:
    """The server's mail name, dma's domain for local mail."""
    return host("/etc/mailname")


def aliases() -> Path:
    return host("/etc/aliases")


def dma_conf() -> Path:
    return host("/etc/dma/dma.conf")


def dma_auth() -> Path:
    """dma's SMTP credentials."""
    return host("/etc/dma/auth.conf")


def cron_files() -> dict[str, Path]:
    """Where cron and the reference's scripts live (djops migrate-cron)."""
    return {
        "cron_hourly": host("/etc/cron.hourly"),
        "cron_daily": host("/etc/cron.daily"),
        "cron_weekly": host("/etc/cron.weekly"),
        "cron_monthly": host("/etc/cron.monthly"),
        "sbin": host("/usr/local/sbin"),
        "crontab": host("/etc/crontab"),
        "cron_d": host("/etc/cron.d"),
        "spool": host("/var/spool/cron/crontabs"),
        "anacron": host("/usr/sbin/anacron"),
    }


def systemd_analyze() -> str:
    """systemd-analyze where PATH does not have it."""
    return str(host("/usr/bin/systemd-analyze"))


def zoneinfo() -> Path:
    """tzdata, where systemd looks up `OnCalendar=... ZONE`."""
    return host("/usr/share/zoneinfo")


def localtime() -> Path:
    """The server's zone: a link into zoneinfo."""
    return host("/etc/localtime")


def unit_templates() -> Path:
    """Where the package installs its template units."""
    return host("/usr/lib/systemd/system")


def systemd_booted() -> Path:
    """A directory that exists only when systemd runs the machine (sd_booted):
    a chroot or a build host has none."""
    return run_dir() / "systemd" / "system"


def journal_socket() -> Path:
    """journald's native socket, where djops sends its events (djops.systemd.journal_socket)."""
    return run_dir() / "systemd" / "journal" / "socket"


def systemd_private_socket() -> Path:
    """PID 1's own D-Bus socket, which root's systemctl uses (no dbus-daemon)."""
    return run_dir() / "systemd" / "private"


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
    install): the planned windows, which no project user may touch."""
    return run_dir() / "djops"


def failing_mark(project: str, job: str) -> Path:
    """Present while a job's runs have failed since its last success."""
    return state_dir() / "failing" / f"{project}:{job}"


def planned_window(project: str) -> Path:
    """What djops itself does to P.service now (a reload, a hand-over, the
    self-healing restart), so health counts no failure meanwhile
    (djops.health.planned): written by the reload unit's apply step,
    `djops enable` and djops-health.service, each with /run/djops writable."""
    return private_run_dir() / f"planned-{project}.json"


def incident_thread(project: str) -> Path:
    """Whose mail opened P's open incident's thread (djops.mail.threads):
    written by the failure handler and djops-health.service, both root."""
    return state_dir() / f"thread-{project}.json"


def database_address(project: str) -> Path:
    """Where the project's database server listens, as its python last said
    (djops.health.dbaddress), for the health check's connect."""
    return state_dir() / f"database-{project}.json"


def loaded_secrets(project: str) -> Path:
    """The sensitive settings values the project's python last loaded, for
    root's relays to mask (root's, 0600; djops.bridge.secrets). The job
    units get it as the credential LOADED_SECRETS_CREDENTIAL."""
    return state_dir() / f"secrets-{project}.json"


LOADED_SECRETS_CREDENTIAL = "djops-secrets"


def outbox_dir() -> Path:
    """Mail waiting for djops-mailqueue.service to hand it to sendmail (root's, 0700)."""
    return state_dir() / "outbox"


def outbox_given_up() -> Path:
    """Mail the outbox gave up on (undelivered for a day, or beyond its
    bound): out of the retried queue, kept beside it and never deleted by
    djops; `mv` puts it back (djops.channels.dropped)."""
    return outbox_dir() / "given-up"


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
