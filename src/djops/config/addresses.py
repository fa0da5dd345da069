"""Value checks for where things are reached: http(s) and Apprise URLs,
gunicorn's listening sockets, mail addresses. A URL may hold a token, so
its errors are `Withheld`: never quoted back."""

import re
from typing import Any

from djops.config.values import CONTROL, Invalid, Withheld, unit_path

NOT_QUOTED = " (the value is not quoted: a URL may hold a token)"


def http_url(value: Any) -> str:
    """Empty (off) or an http(s) URL with a host."""
    from urllib.parse import urlsplit

    expected = '"" or an http:// or https:// URL, e.g. "http://127.0.0.1:8000/"' + NOT_QUOTED
    if not isinstance(value, str) or CONTROL.search(value):
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
