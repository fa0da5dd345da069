"""Value checks only the live host can answer: users that exist (and are
not root), the project's directories (manage.py, the venv), time zones in
tzdata. Most serve as the schema's `live` checks, which `djops disable`
and unit tests can skip."""

import pwd
import re
from pathlib import Path
from typing import Any

from djops import paths
from djops.config.values import Invalid, absolute_path, nonempty_text

# uid 0 under any name; unit tests run as root and act as the project user
# by setting this to an impossible uid (tests/unit/conftest.py)
ROOT_UID = 0


def project_user(value: Any) -> str:
    """An existing user other than root (under any name: uid 0): the project
    user runs gunicorn, the validation and, by default, every job, all
    of it code that user can change."""
    value = existing_user(value)
    if pwd.getpwnam(value).pw_uid == ROOT_UID:
        raise Invalid(
            "a user other than root (uid 0): djops runs the project's code as this user, "
            "which it can change"
        )
    return value


def optional_user(value: Any) -> str:
    """An existing user, never root (a job runs the project's code, which
    its user can change); "" means the [project] user."""
    if value == "":
        return value
    value = existing_user(value)
    if pwd.getpwnam(value).pw_uid == 0:
        raise Invalid("a user other than root (a job runs code the project user can change)")
    return value


def job_user(value: Any) -> str:
    if value != "" and not (isinstance(value, str) and _USER.fullmatch(value)):
        raise Invalid('a user name, or "" for the [project] user')
    return value


_USER = re.compile(r"[a-z_][a-z0-9_.-]{0,31}\$?")


def existing_user(value: Any) -> str:
    value = nonempty_text(value)
    try:
        pwd.getpwnam(value)
    except (KeyError, ValueError):
        raise Invalid("an existing user") from None
    return value


def dir_with_manage_py(value: Any) -> str:
    value = absolute_path(value)
    if not (Path(value) / "manage.py").is_file():
        raise Invalid("a directory containing manage.py")
    return value


def venv_dir(value: Any) -> str:
    value = absolute_path(value)
    if not (Path(value) / "bin" / "python").exists():
        raise Invalid("a virtualenv directory with bin/python")
    return value


def existing_dir(value: Any) -> str:
    value = absolute_path(value)
    if not Path(value).is_dir():
        raise Invalid("an existing directory")
    return value


_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")


def timezone(value: Any) -> str:
    """ "" (the server's zone) or an IANA zone that tzdata has, as systemd
    reads it from /usr/share/zoneinfo for `OnCalendar=... ZONE`."""
    expected = (
        f'"" (the server\'s) or an IANA time zone in {paths.zoneinfo()}, e.g. "Europe/Berlin"'
    )
    if value == "":
        return value
    if not isinstance(value, str) or not _ZONE.fullmatch(value):
        raise Invalid(expected)
    try:
        with (paths.zoneinfo() / value).open("rb") as f:
            if f.read(4) != b"TZif":
                raise Invalid(expected)
    except OSError:
        raise Invalid(expected) from None
    return value
