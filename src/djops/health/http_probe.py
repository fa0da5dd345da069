"""The http check: GET [health] url, failing on no answer, a status >= 500
or a timeout; redirects are answers. What is logged and mailed of the URL
is `shown_url`: no credentials, no query string."""

import socket
from urllib.parse import urlsplit

from djops.config import Config
from djops.health import check
from djops.health.check import Result


def http(cfg: Config) -> Result:
    url = cfg.health.url
    shown = shown_url(url)
    try:
        code = _status_of(url)
    except (OSError, ValueError) as e:
        return False, f"GET {shown}: {getattr(e, 'reason', None) or e}"
    return code < 500, f"GET {shown}: HTTP {code}"


def shown_url(url: str) -> str:
    """The URL as logged and mailed: no user:password@, no query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path or '/'}" + ("?..." if parts.query else "")


def _auth_header(parts) -> str:
    """user:password@ in the URL becomes Basic auth, never part of Host:."""
    if parts.username is None:
        return ""
    from base64 import b64encode
    from urllib.parse import unquote

    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return "Basic " + b64encode(pair.encode("utf-8")).decode("ascii")


def _status_of(url: str) -> int:
    """The status of GET url, redirects not followed (a redirect is an answer).

    Plain http (the usual local probe) is spoken over a socket: importing
    urllib and ssl would cost the long-running daemon 10 MB for nothing.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    host_header = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    auth = _auth_header(parts)
    if parts.scheme != "http":
        import urllib.error
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        clean = f"{parts.scheme}://{host_header}{path}"
        request = urllib.request.Request(clean, headers={"Authorization": auth} if auth else {})
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=check.TIMEOUT) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
    with socket.create_connection((host, port or 80), timeout=check.TIMEOUT) as conn:
        conn.settimeout(check.TIMEOUT)
        request = (
            f"GET {path} HTTP/1.0\r\nHost: {host_header}\r\n"
            + (f"Authorization: {auth}\r\n" if auth else "")
            + "User-Agent: djops-health\r\nConnection: close\r\n\r\n"
        )
        conn.sendall(request.encode("latin-1", "replace"))
        head = conn.recv(64).split(b"\r\n", 1)[0].split()
    if len(head) < 2 or not head[0].startswith(b"HTTP/") or not head[1].isdigit():
        raise ValueError(f"not an HTTP answer: {b' '.join(head)[:40]!r}")
    return int(head[1])
