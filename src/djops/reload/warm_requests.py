"""HTTP requests through the held socket before the hand-over goes on
(whether the workers loaded the app at all: djops.reload.worker_ready).

A gunicorn worker that has loaded the app is not yet warm for Django: it
imports the URLconf (and what the views import) on its first request. The
hand-over sends a few requests so that this first, slow request is djops's
and not a visitor's. Any answer counts (a 400 for an unknown Host still loads
the URLconf: Django resolves its error handler there); no answer is no
failure either: the workers were already found warm, this is only courtesy.
"""

import contextlib
import socket
import time

PER_REQUEST = 20.0  # seconds: the first request of a worker imports the URLconf
IN_ALL = 60.0


def target(address: str) -> tuple[int, object, str]:
    """(family, connect address, Host header) of a [socket] listen value."""
    if address.startswith("/"):
        return socket.AF_UNIX, address, "localhost"
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return family, (host, int(port)), host if family == socket.AF_INET else f"[{host}]"


def one(address: str, timeout: float = PER_REQUEST) -> bool:
    """GET / on a new connection; True when an HTTP status line came back."""
    family, where, host = target(address)
    with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(where)
        s.sendall(f"GET / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: djops-warmup\r\n\r\n".encode())
        return s.recv(16).startswith(b"HTTP/")
    return False


def send(addresses: list[str], count: int, clock=time.monotonic) -> int:
    """`count` requests to the first address (each a new connection, so each
    may reach another worker); how many were answered."""
    if not addresses:
        return 0
    deadline, answered = clock() + IN_ALL, 0
    for _ in range(count):
        if clock() > deadline:
            break
        answered += one(addresses[0])
    return answered
