"""Value checks for config keys: each turns a TOML value into a clean one or
raises `Invalid`, whose text completes "expected ...".

They are referenced from the schema (djops.config.schema) as data. This
module holds the plain kinds (text, numbers, names, paths, calendars,
commands); where things are reached (URLs, sockets, mail addresses) is in
djops.config.addresses, what only the live host can answer (users, the
project's directories, time zones) in djops.config.live_values.
"""

import json
import math
import re
from collections.abc import Callable
from typing import Any

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


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def text(value: Any) -> str:
    if not isinstance(value, str) or CONTROL.search(value):
        raise Invalid("a string without control characters")
    return value


def nonempty_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or CONTROL.search(value):
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
    if not isinstance(value, str) or not value.startswith("/") or CONTROL.search(value):
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


def path_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Invalid("a non-empty list of absolute paths")
    try:
        return [absolute_path(v) for v in value]
    except Invalid:
        raise Invalid("a non-empty list of absolute paths") from None


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("true or false")
    return value


def _words(value: Any, expected: str) -> list[str]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v and not CONTROL.search(v) for v in value
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
        if not _ENV_NAME.fullmatch(k) or not isinstance(v, str) or CONTROL.search(v):
            raise Invalid(expected)
    return dict(value)


def job_schedule(value: Any) -> str:
    """OnCalendar, or "@reboot" (a few minutes after each boot, as cron did)."""
    return value if value == "@reboot" else calendar(value)


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
    if not isinstance(value, str) or not value.strip() or CONTROL.search(value):
        raise Invalid(CALENDAR)
    return value
