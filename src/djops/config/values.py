"""Value checks for config keys: each turns a TOML value into a clean one or
raises `Invalid`, whose text completes "expected ...".

They are referenced from the schema (djops.config.schema) as data.
"""

import json
import math
import pwd
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from djops import paths

Check = Callable[[Any], Any]


class Invalid(ValueError):
    """The value does not fit; str() is what was expected."""


class Withheld(Invalid):
    """As Invalid, for a value that may hold a token (a channel URL): the
    error line names the file, the key and what was expected, never the value."""


def shown(value: Any) -> str:
    """How a bad value is quoted back in an error line (TOML-ish, one line)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def text(value: Any) -> str:
    if not isinstance(value, str) or _CONTROL.search(value):
        raise Invalid("a string without control characters")
    return value


def nonempty_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or _CONTROL.search(value):
        raise Invalid("a non-empty string without control characters")
    return value


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise Invalid("a positive whole number")
    return value


def positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("a positive number")
    if not math.isfinite(value) or value <= 0:
        raise Invalid("a positive number")
    return float(value)


def optional_dir(value: Any) -> str:
    """ "" (off) or an absolute path."""
    if value == "":
        return value
    try:
        return unit_path(value)
    except Invalid:
        raise Invalid('"" (off) or an absolute path of letters, digits and . _ + - /') from None


def nonnegative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("a number, 0 or more")
    if not math.isfinite(value) or value < 0:
        raise Invalid("a number, 0 or more")
    return float(value)


def absolute_path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or _CONTROL.search(value):
        raise Invalid("an absolute path")
    return value


def matching(pattern: str, expected: str) -> Check:
    """A string the whole of which matches `pattern` (no trailing newline sneaks by)."""
    regex = re.compile(pattern)

    def check(value: Any) -> str:
        if not isinstance(value, str) or not regex.fullmatch(value):
            raise Invalid(expected)
        return value

    return check


# a path that goes into a unit file as it is: no spaces, quotes or `%`
unit_path = matching(r"/[A-Za-z0-9._+/-]*", "an absolute path of letters, digits and . _ + - /")


NOT_QUOTED = " (the value is not quoted: a URL may hold a token)"


def http_url(value: Any) -> str:
    """Empty (off) or an http(s) URL with a host."""
    from urllib.parse import urlsplit

    expected = '"" or an http:// or https:// URL, e.g. "http://127.0.0.1:8000/"' + NOT_QUOTED
    if not isinstance(value, str) or _CONTROL.search(value):
        raise Withheld(expected)
    if value == "":
        return value
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        ok = False
    if not ok:
        raise Withheld(expected)
    return value


_APPRISE_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s\x00-\x1f\x7f-\x9f]*")


def apprise_urls(value: Any) -> list[str]:
    """Apprise URLs (scheme://...); Apprise itself knows which schemes exist."""
    expected = 'a list of Apprise URLs, e.g. ["ntfys://topic", "json://host/path"]'
    if not isinstance(value, list):
        raise Withheld(expected + NOT_QUOTED)
    for i, v in enumerate(value, 1):
        if not (isinstance(v, str) and _APPRISE_URL.fullmatch(v)):
            raise Withheld(f"{expected}; item {i} is not one" + NOT_QUOTED)
    return value


def path_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Invalid("a non-empty list of absolute paths")
    try:
        return [absolute_path(v) for v in value]
    except Invalid:
        raise Invalid("a non-empty list of absolute paths") from None


_HOSTPORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[0-9.]+|[A-Za-z0-9.-]+)?:?(?P<port>[0-9]{1,5})")


def listen_list(value: Any) -> list[str]:
    """Where systemd listens for gunicorn: "HOST:PORT", "PORT", "[::1]:PORT"
    or an absolute unix socket path (ListenStream= of systemd.socket(5))."""
    expected = 'a list of "HOST:PORT" or absolute unix socket paths, e.g. ["127.0.0.1:8000"]'
    if not isinstance(value, list):
        raise Invalid(expected)
    out: list[str] = []
    for v in value:
        if isinstance(v, str) and v.startswith("unix:"):
            v = v[len("unix:") :]
        if isinstance(v, str) and v.startswith("/"):
            try:
                out.append(unit_path(v))
            except Invalid:
                raise Invalid(expected) from None
            continue
        m = _HOSTPORT.fullmatch(v) if isinstance(v, str) else None
        if not m or not 0 < int(m["port"]) < 65536:
            raise Invalid(expected)
        out.append(v)
    if len(set(out)) != len(out):
        raise Invalid(expected + ", each once")
    return out


_ADDRESS = re.compile(r"[^\s@<>,;\"\x00-\x1f\x7f-\x9f]+(@[A-Za-z0-9.-]+)?")


def address_list(value: Any) -> list[str]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and _ADDRESS.fullmatch(v) for v in value)
    ):
        raise Invalid('a non-empty list of mail addresses, e.g. ["root"]')
    return value


def mail_to_or_default(value: Any) -> list[str]:
    """[] means "as [health] mail_to"."""
    return value if value == [] else address_list(value)


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("true or false")
    return value


def _words(value: Any, expected: str) -> list[str]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v and not _CONTROL.search(v) for v in value
    ):
        raise Invalid(expected)
    return value


def manage_command(value: Any) -> list[str]:
    expected = 'a list: a manage.py command and its arguments, e.g. ["send_queued_mail"]'
    value = _words(value, expected)
    if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value[0]):
        raise Invalid(expected)
    return value


def program(value: Any) -> list[str]:
    expected = 'a list: an absolute program and its arguments, e.g. ["/usr/local/bin/backup"]'
    value = _words(value, expected)
    if value and not value[0].startswith("/"):
        raise Invalid(expected)
    return value


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def environment(value: Any) -> dict[str, str]:
    """Variables of a job: names as the shell writes them, string values
    (no control characters: they go into a process environment)."""
    expected = 'a table of NAME = "value" strings, e.g. {PYTHONPATH = "/etc/opt/P:/opt/P"}'
    if not isinstance(value, dict):
        raise Invalid(expected)
    for k, v in value.items():
        if not _ENV_NAME.fullmatch(k) or not isinstance(v, str) or _CONTROL.search(v):
            raise Invalid(expected)
    return dict(value)


def job_schedule(value: Any) -> str:
    """OnCalendar, or "@reboot" (a few minutes after each boot, as cron did)."""
    return value if value == "@reboot" else calendar(value)


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


module_name = matching(
    r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", "a dotted Python module name"
)


service_name = matching(
    r"[A-Za-z0-9:_.@\\-]+\.service", 'a systemd service name such as "P.service"'
)


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str:
        if value not in choices:
            raise Invalid(" or ".join(f'"{c}"' for c in choices))
        return value

    return check


CALENDAR = "a systemd OnCalendar expression (see systemd.time(7))"


def calendar(value: Any) -> str:
    """An OnCalendar expression, by its form only: systemd itself reads the
    schedules of a whole config at once, at `djops enable` and `djops check`
    (djops.config.schedules), not each time a unit loads the config."""
    if not isinstance(value, str) or not value.strip() or _CONTROL.search(value):
        raise Invalid(CALENDAR)
    return value


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
