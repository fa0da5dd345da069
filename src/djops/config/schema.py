"""The config schema, kept as data: one dataclass per TOML section.

Each field's default may contain `{project}`; its metadata names the check
(djops.config.checks) and whether the check needs the live system (`live`:
users, files), which `djops disable` and unit tests can skip.
"""

from dataclasses import dataclass, field
from typing import Any

from djops.config import values as c


def key(default: Any, check: c.Check, live: c.Check | None = None) -> Any:
    factory = (lambda: list(default)) if isinstance(default, list) else None
    meta = {"check": check, "live": live}
    if factory:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Project:
    user: str = key("{project}", c.nonempty_text, c.existing_user)
    code_dir: str = key("/opt/{project}", c.unit_path, c.dir_with_manage_py)
    venv: str = key("/opt/{project}/venv", c.unit_path, c.venv_dir)
    settings_dir: str = key("/etc/opt/{project}", c.unit_path, c.existing_dir)
    settings_module: str = key("settings", c.module_name)
    service: str = key("{project}.service", c.service_name)


@dataclass(frozen=True)
class Clearsessions:
    schedule: str = key("daily", c.calendar)
    batch_size: int = key(10000, c.positive_int)


@dataclass(frozen=True)
class Watch:
    paths: list[str] = key(["/etc/opt/{project}"], c.path_list)
    debounce_seconds: float = key(2.0, c.positive_number)
    restart: str = key("restart", c.one_of("restart", "reload"))


@dataclass(frozen=True)
class Health:
    interval_seconds: float = key(60.0, c.positive_number)
    url: str = key("", c.http_url)
    heartbeat: str = key("daily", c.calendar)
    mail_to: list[str] = key(["root"], c.address_list)
    sendmail: str = key("/usr/sbin/sendmail", c.absolute_path)
    warn_after: int = key(1, c.positive_int)
    alert_after: int = key(3, c.positive_int)
    restart_after: int = key(5, c.positive_int)


SECTIONS: dict[str, type] = {
    "project": Project,
    "clearsessions": Clearsessions,
    "watch": Watch,
    "health": Health,
}
