"""Read /etc/djops/P.toml, apply defaults and checks, return a Config.

Every problem becomes one ConfigError line naming the file and the key.
The schema (djops.config.schema) is imported where it is read: its
dataclasses' imports and classes cost ~15 ms, which a job run's two starts
need not pay (djops.config.run_load).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from djops import paths
from djops.config import cache, restart_modes, values
from djops.config.names import CLEARSESSIONS
from djops.errors import ConfigError

if TYPE_CHECKING:
    import dataclasses

    from djops.config import schema

# A Python identifier is both a Django project name and a systemd instance name.
_PROJECT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
JOB_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
JOBS = "jobs"


class Config(NamedTuple):
    """P.toml, loaded and checked. A NamedTuple, not a dataclass: a job
    run's start builds one without importing dataclasses."""

    name: str
    path: Path
    project: schema.Project
    clearsessions: schema.Clearsessions
    watch: schema.Watch
    health: schema.Health
    notify: schema.Notify
    metrics: schema.Metrics
    socket: schema.Socket
    jobs: dict[str, schema.Job]


def config_path(name: str) -> Path:
    return paths.config_dir() / f"{name}.toml"


def stamp(name: str) -> tuple[int, int] | None:
    """P.toml's (mtime_ns, size), None without one: what the host daemons
    compare to load a project's config again only when it changed."""
    try:
        st = os.stat(config_path(name))
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def check_name(name: str) -> str:
    if not _PROJECT.fullmatch(name or ""):
        raise ConfigError(
            str(config_path(name if "/" not in name else "P")),
            "project name",
            "a Python identifier (letters, digits, underscore) that is also a "
            "systemd instance name",
            values.shown(name),
        )
    return name


def _raw(path: Path) -> bytes | None:
    """P.toml's bytes; None when there is none (defaults)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigError(str(path), "", "a readable file", e.strerror) from None


def _parse(path: Path, raw: bytes | None) -> dict[str, Any]:
    import tomllib  # a unit's load reads the checked form (djops.config.cache) instead

    if raw is None:
        return {}
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(str(path), "", "UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), "", f"valid TOML ({e})") from None


def _section(path: Path, name: str, data: Any, cls: type, project: str) -> dict[str, Any]:
    """Type-check one section; returns {key: (value, given)} with defaults filled in."""
    if not isinstance(data, dict):
        raise ConfigError(str(path), f"[{name}]", "a table", values.shown(data))
    fields = {f.name: f for f in _fields(cls)}
    for k in data:
        if k not in fields:
            raise ConfigError(
                str(path), f"[{name}] {k}", "one of the known keys: " + ", ".join(fields)
            )
    checked = {}
    for fname, f in fields.items():
        given = fname in data
        value = data[fname] if given else default(f, project)
        checked[fname] = (_apply(path, name, fname, f.metadata["check"], value, given), given)
    return checked


def _apply(path: Path, section: str, key: str, check: Any, value: Any, given: bool) -> Any:
    try:
        return check(value)
    except values.Invalid as e:
        got = values.shown(value) + ("" if given else " (the default)")
        got = None if isinstance(e, values.Withheld) else got  # it may hold a token
        raise ConfigError(str(path), f"[{section}] {key}", str(e), got) from None


def expand(value: Any, project: str) -> Any:
    """A default with `{project}` filled in."""
    if isinstance(value, str):
        return value.replace("{project}", project)
    if isinstance(value, list):
        return [expand(v, project) for v in value]
    return value


def default(f: dataclasses.Field, project: str) -> Any:
    """A key's default with `{project}` filled in; a path of the host
    (`host`) lies under paths.root(), as every host path does."""
    value = expand(default_of(f), project)
    if not f.metadata["host"]:
        return value
    if isinstance(value, list):
        return [str(paths.host(v)) for v in value]
    return str(paths.host(value)) if value else value


def load(name: str, live: bool = True, schedules: bool = False) -> Config:
    """Load and check the config of project `name`; a missing file means defaults.

    `schedules`: also have systemd read every schedule (one systemd-analyze
    run: `djops enable`, `djops check`), and keep the checked form for the
    units' loads (djops.config.cache). Without it, a file unchanged since
    that check is not parsed or type-checked again, and schedules are
    taken as the timers already run them."""
    check_name(name)
    path = config_path(name)
    raw = _raw(path)
    typed = None if schedules or raw is None else cache.read(name, raw)
    if typed is None:
        typed = _typed(path, _parse(path, raw), name)
    if schedules:  # a schedule is the file's own content: said before the live checks
        from djops.config import schedules as calendars

        calendars.validate(_build(path, name, typed, live=False))
    cfg = _build(path, name, typed, live)
    if schedules and raw is not None:
        cache.write(name, path, raw, {**typed, cache.RUN: _schema().run_shape()})
    return cfg


def _schema() -> Any:
    """djops.config.schema, imported on first use (its dataclasses: ~15 ms)."""
    from djops.config import schema

    return schema


def _fields(cls: type) -> tuple[dataclasses.Field, ...]:
    import dataclasses

    return dataclasses.fields(cls)


def _typed(path: Path, data: dict[str, Any], name: str) -> cache.Typed:
    """Every type check, before anything about the live system (users,
    directories), so a typo in the file is reported first: sections as
    {key: [value, given]}, jobs as {key: value} of the keys given."""
    sections = _schema().SECTIONS
    for section in data:
        if section not in sections and section != JOBS:
            raise ConfigError(
                str(path),
                f"[{section}]",
                "one of the sections: " + ", ".join([*sections, "jobs.NAME"]),
            )
    checked = {
        s: {k: list(vg) for k, vg in _section(path, s, data.get(s, {}), cls, name).items()}
        for s, cls in sections.items()
    }
    jobs = {
        job: {k: v for k, (v, given) in typed.items() if given}
        for job, typed in _typed_jobs(path, data.get(JOBS, {}), name).items()
    }
    return {"sections": checked, "jobs": jobs}


def _build(path: Path, name: str, typed: cache.Typed, live: bool) -> Config:
    parts = {}
    for s, cls in _schema().SECTIONS.items():
        fields = {}
        for f in _fields(cls):
            value, given = typed["sections"][s][f.name]
            if live and f.metadata["live"]:
                value = _apply(path, s, f.name, f.metadata["live"], value, given)
            fields[f.name] = value
        parts[s] = cls(**fields)
    _cross_checks(path, parts["health"])
    mode = restart_modes.of(parts["watch"].restart)
    if mode.needs_socket and not parts["socket"].listen:
        raise ConfigError(
            str(path),
            "[watch] restart",
            f"{restart_modes.without_socket()}, or [socket] listen set: "
            f'"{mode.name}" needs the socket held',
            f'"{mode.name}"',
        )
    jobs = _jobs(path, typed["jobs"], parts["project"].user, live)
    return Config(name=name, path=path, **parts, jobs=jobs)


def _typed_jobs(path: Path, data: Any, project: str) -> dict[str, dict[str, Any]]:
    """[jobs.NAME] tables, type-checked like the sections, and exactly one of
    command and exec."""
    if not isinstance(data, dict):
        raise ConfigError(str(path), "[jobs]", "tables [jobs.NAME]", values.shown(data))
    typed = {}
    for job, table in data.items():
        section = f"jobs.{job}"
        if not JOB_NAME.fullmatch(job):
            raise ConfigError(str(path), f"[{section}]", "a NAME of letters, digits, _ and -")
        if job == CLEARSESSIONS:  # its claim key, metrics label and job.skipped are taken
            raise ConfigError(
                str(path), f"[{section}]", "another NAME: clearsessions is [clearsessions]"
            )
        typed[job] = _section(path, section, table, _schema().Job, project)
        if bool(typed[job]["command"][0]) == bool(typed[job]["exec"][0]):
            raise ConfigError(
                str(path), f"[{section}] command, exec", "exactly one of the two, not empty"
            )
    return typed


def _jobs(
    path: Path, given: dict[str, dict[str, Any]], user: str, live: bool
) -> dict[str, schema.Job]:
    """Live checks, and "" for the user means the [project] user. Each
    distinct value is checked once (a thousand jobs share a few users)."""
    Job = _schema().Job
    # the [jobs.NAME] keys with a live check, and their defaults
    live_keys = [(f.name, f.metadata["live"], f) for f in _fields(Job) if f.metadata["live"]]
    jobs, checked = {}, {}
    for job, table in given.items():
        fields = dict(table)
        for key, check, f in live_keys if live else ():
            value = fields[key] if key in table else default_of(f)
            memo = (key, repr(value))
            if memo not in checked:
                checked[memo] = _apply(path, f"jobs.{job}", key, check, value, key in table)
            fields[key] = checked[memo]
        fields["user"] = fields.get("user") or user
        jobs[job] = Job(**fields)
    return jobs


def _cross_checks(path: Path, health: schema.Health) -> None:
    if not health.warn_after <= health.alert_after <= health.restart_after:
        raise ConfigError(
            str(path),
            "[health] warn_after, alert_after, restart_after",
            "warn_after <= alert_after <= restart_after",
            f"{health.warn_after}, {health.alert_after}, {health.restart_after}",
        )


def defaults(name: str) -> Config:
    """Every key at its default: for the failure mail when P.toml is broken."""
    parts = {
        s: cls(**{f.name: default(f, name) for f in _fields(cls)})
        for s, cls in _schema().SECTIONS.items()
    }
    return Config(name=name, path=config_path(name), **parts, jobs={})


def default_of(f: dataclasses.Field) -> Any:
    return _schema().default_of(f)
