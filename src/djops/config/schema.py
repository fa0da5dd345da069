"""The config schema, kept as data: one dataclass per TOML section.

Each field's default may contain `{project}`; its metadata names the value
check (djops.config.values, .addresses, .live_values), whether a check needs
the live system (`live`: users, files), which `djops disable` and unit tests
can skip, whether the default is a path of the host (`host`: one of
djops.paths', which the loader takes through paths.host()), and a one-line
description. The loader, the
example config (examples/P.toml) and the man page's key table all come from
here (djops.generate.example, .manpage).
"""

from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from djops import paths
from djops.config import addresses, live_values, restart_modes
from djops.config import values as c
from djops.events import PRIORITY_NAMES


def key(
    default: Any, check: c.Check, doc: str, live: c.Check | None = None, host: bool = False
) -> Any:
    factory = None
    if isinstance(default, list | dict):
        factory = (lambda: list(default)) if isinstance(default, list) else (lambda: dict(default))
    meta = {"check": check, "live": live, "doc": doc, "host": host}
    if factory:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class JobPolicy:
    """The job policy keys, declared once and shared by [clearsessions] and
    [jobs.NAME] (djops.jobs.policy applies them). A table lists its own
    keys first: `class T(JobPolicy, TOwnKeys)` (dataclass fields follow the
    reversed MRO), so the example config and the man page keep that order."""

    timezone: str = key(
        "",
        live_values.timezone,
        'IANA zone of the schedule, e.g. "Europe/Berlin"; "": the server\'s',
    )
    catch_up: str = key(
        "once",
        c.one_of("once", "none"),
        'a run missed while the server was down: "once" at boot (Persistent=), or "none"',
    )
    alert_after: int = key(
        1,
        c.positive_int,
        "failed runs in a row before the failure mail and the alert (1: every failure, as cron)",
    )
    max_runtime_seconds: float = key(
        0.0,
        c.nonnegative_number,
        "a run still going after this logs job.slow and alerts once (0: off)",
    )
    min_runtime_seconds: float = key(
        0.0, c.nonnegative_number, "a run that ends sooner logs job.too_fast (0: off)"
    )
    start_grace_seconds: float = key(
        0.0,
        c.nonnegative_number,
        "an occurrence not started on any host by then logs job.missed (0: a tenth of the period)",
    )


@dataclass(frozen=True)
class Project:
    user: str = key(
        "{project}",
        c.nonempty_text,
        "the Django user (DJANGO_USER) that runs gunicorn; may differ from P; never root",
        live_values.project_user,
    )
    code_dir: str = key(
        paths.CODE_DIR, c.unit_path, "where manage.py is", live_values.dir_with_manage_py, host=True
    )
    venv: str = key(
        paths.VENV,
        c.unit_path,
        "the project's virtualenv (Django runs from it)",
        live_values.venv_dir,
        host=True,
    )
    settings_dir: str = key(
        paths.SETTINGS_DIR,
        c.unit_path,
        "the settings directory (first on PYTHONPATH)",
        live_values.existing_dir,
        host=True,
    )
    settings_module: str = key("settings", c.module_name, "DJANGO_SETTINGS_MODULE")
    service: str = key("{project}.service", c.service_name, "the gunicorn unit")


@dataclass(frozen=True)
class _ClearsessionsKeys:
    schedule: str = key("daily", c.calendar, "when to clear expired sessions (systemd OnCalendar)")
    batch_size: int = key(
        1_000_000,
        c.positive_int,
        "most rows per delete transaction; each batch is sized to 0.25 s below it",
    )
    max_replica_lag_seconds: float = key(
        30.0,
        c.nonnegative_number,
        "PostgreSQL: pause while a streaming replica lags more (0: never pause)",
    )
    once: bool = key(
        True, c.boolean, "several app servers, one database: one host runs each occurrence"
    )
    ping_url: str = key(
        "",
        addresses.http_url,
        'healthchecks-compatible ping URL: /start, success, /<exit code>; "": none',
    )


@dataclass(frozen=True)
class Clearsessions(JobPolicy, _ClearsessionsKeys):
    """[clearsessions]: its own keys, then the job policy's."""


@dataclass(frozen=True)
class Watch:
    paths: list[str] = key(
        [paths.SETTINGS_DIR], c.path_list, "directories watched, recursively", host=True
    )
    debounce_seconds: float = key(
        2.0, c.positive_number, "quiet time after the last write before a reload"
    )
    restart: str = key(
        restart_modes.DEFAULT, c.one_of(*restart_modes.MODES), restart_modes.described()
    )


@dataclass(frozen=True)
class Socket:
    listen: list[str] = key(
        [],
        addresses.listen_list,
        'gunicorn\'s addresses, e.g. ["127.0.0.1:8000"] or ["/run/P/gunicorn.sock"]; set: '
        "djops-socket@P.socket holds them across restarts and hands them to the service",
    )


@dataclass(frozen=True)
class Health:
    interval_seconds: float = key(60.0, c.positive_number, "seconds between two rounds of checks")
    url: str = key(
        "",
        addresses.http_url,
        'the site\'s URL for the http check, e.g. "http://127.0.0.1:8000/"; "": none',
    )
    heartbeat: str = key("daily", c.calendar, "when to mail the heartbeat (systemd OnCalendar)")
    mail_to: list[str] = key(
        ["root"], addresses.address_list, "who gets heartbeat, alert and failure mail"
    )
    sendmail: str = key(paths.SENDMAIL, c.absolute_path, "the MTA's sendmail (dma)", host=True)
    warn_after: int = key(1, c.positive_int, "failures in a row before a warning in the journal")
    alert_after: int = key(3, c.positive_int, "failures in a row before the alert mail")
    restart_after: int = key(
        5, c.positive_int, "failures in a row before one restart of the service"
    )
    ping_url: str = key(
        "", addresses.http_url, 'pinged with each heartbeat (healthchecks-compatible); "": none'
    )


@dataclass(frozen=True)
class _JobKeys:
    """A [jobs.NAME] table's own keys: what a crontab line of manage.py did."""

    command: list[str] = key(
        [], c.manage_command, "a manage.py command and its arguments (or exec, not both)"
    )
    exec: list[str] = key(
        [], c.program, "or an absolute program and its arguments, with the project's environment"
    )
    environment: dict[str, str] = key(
        {},
        c.environment,
        "variables on top of the project's environment, e.g. {TZ = \"UTC\"} (a crontab's NAME=value)",
    )
    schedule: str = key(
        "daily", c.job_schedule, 'when (systemd OnCalendar), or "@reboot": after each boot'
    )
    timeout_seconds: int = key(3600, c.positive_int, "a run longer than this is stopped")
    user: str = key(
        "", live_values.job_user, 'who runs it; "": the [project] user', live_values.optional_user
    )
    once: bool = key(
        True, c.boolean, "several app servers, one database: one host runs each occurrence"
    )
    mail_output: str = key(
        "failure",
        c.one_of("failure", "always"),
        '"failure": mail the output of failed runs; "always": of every run (cron\'s MAILTO)',
    )
    mail_to: list[str] = key(
        [], addresses.mail_to_or_default, "who gets its mail; []: [health] mail_to"
    )
    ping_url: str = key(
        "",
        addresses.http_url,
        'healthchecks-compatible ping URL: /start, success, /<exit code>; "": none',
    )


@dataclass(frozen=True)
class Job(JobPolicy, _JobKeys):
    """One [jobs.NAME] table: its own keys, then the job policy's."""


@dataclass(frozen=True)
class Notify:
    urls: list[str] = key(
        [],
        addresses.apprise_urls,
        'Apprise URLs ("ntfys://topic", "slack://...", "json://host/path"): alerts, '
        "reminders, recoveries, unit and job failures go there as well as to mail_to; "
        'shown everywhere as scheme + fingerprint ("ntfys://…#3f2a"), never whole',
    )
    min_priority: str = key(
        "warning",
        c.one_of(*PRIORITY_NAMES),
        "journal priority of the events sent (and more urgent); a recovery follows its alert; "
        '"info" adds the heartbeat',
    )


@dataclass(frozen=True)
class Metrics:
    textfile_dir: str = key(
        paths.TEXTFILE_DIR,
        c.optional_dir,
        'Prometheus textfile collector directory; written only if it exists; "": off',
        host=True,
    )


# what each section is about, for the example config and the man page
SECTION_DOCS = {
    "project": "where the project lives (the reference layout by default)",
    "clearsessions": "removing expired sessions (djops-clearsessions@P.timer)",
    "socket": "the listening socket systemd holds for gunicorn (djops-socket@P.socket)",
    "watch": "the settings watcher and the validated reload (djops-watch.service, djops-reload@P)",
    "health": "the health service, escalation and mail (djops-health.service, djops-heartbeat@P)",
    "notify": "chat and push channels through Apprise (djops-notify.service delivers)",
    "metrics": "djops_P.prom for Prometheus' textfile collector (written by djops-health.service)",
    "jobs.NAME": "any number of jobs, NAME of [A-Za-z0-9_-]: djops-job@P:NAME.timer",
}

SECTIONS: dict[str, type] = {
    "project": Project,
    "clearsessions": Clearsessions,
    "socket": Socket,
    "watch": Watch,
    "health": Health,
    "notify": Notify,
    "metrics": Metrics,
}

# every table a user may write, for the docs: the sections and one job
DOC_SECTIONS: dict[str, type] = {**SECTIONS, "jobs.NAME": Job}


def default_of(f: Any) -> Any:
    """A key's default: a fresh list or table from its factory."""
    return f.default_factory() if f.default is MISSING else f.default


def run_shape() -> dict[str, Any]:
    """What a job run's load (djops.config.run_load) needs of the schema,
    kept with the checked form so its starts need not import this module:
    each live check by name ({section or "jobs": {key: check}}) and the
    defaults of a [jobs.NAME] table's keys."""

    def live(cls: type) -> dict[str, str]:
        return {f.name: f.metadata["live"].__name__ for f in fields(cls) if f.metadata["live"]}

    job_defaults = {f.name: default_of(f) for f in fields(Job)}
    checks = {s: live(cls) for s, cls in SECTIONS.items()}
    return {"live": {**checks, "jobs": live(Job)}, "job_defaults": job_defaults}
