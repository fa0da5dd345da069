"""djops' events sent over journald's native socket by djops itself, so a
process can wait, before it exits, until journald has taken them.

journald learns a sender's unit (`_SYSTEMD_UNIT=`, `_SYSTEMD_INVOCATION_ID=`)
from /proc when it processes the datagram, not when it was sent: from a
process already gone by then, the entry has neither (systemd#2913). The
readers trust a result, a skip or a validation's rejection only by the unit
it came from, so journald lagging behind a job's last step (a busy host,
journald restarting) dropped the run's result: health counted the job as
late, and a wait for a run's result by its invocation found none.
libsystemd's sender keeps its socket to itself; on our own, the kernel says
how much journald has still to read (TIOCOUTQ), and drain() waits for that
at exit."""

import atexit
import errno
import fcntl
import socket
import struct
import termios
import threading
import time
from typing import Any

from djops import paths

DRAIN_SECONDS = 5.0  # at most this long at exit: a stopped journald must not hold a unit
# journald reads a datagram and then the sender's /proc in one call: a moment for the latter
GRACE_SECONDS = 0.01


def encode(fields: dict[str, Any]) -> bytes:
    """The native protocol: KEY=value lines, or, for a value with a newline,
    KEY, its length (64-bit little-endian) and the bytes."""
    out = bytearray()
    for key, value in fields.items():
        data = str(value).encode("utf-8", "replace")
        if b"\n" in data:
            out += key.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key.encode() + b"=" + data + b"\n"
    return bytes(out)


class Sender:
    """send(message, **fields), as journal.emit() calls its sender; the
    first send connects and registers drain() to run at exit."""

    def __init__(self, path: str | None = None) -> None:
        self._path = path or str(paths.journal_socket())
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()  # the health daemon's lanes send at once

    def __call__(self, message: str, **fields: Any) -> None:
        data = encode({"MESSAGE": message, **fields})
        try:
            self._socket().send(data)
        except OSError as e:
            if e.errno not in (errno.EMSGSIZE, errno.ENOBUFS):
                raise
            _big(message, fields)  # past a datagram's size: libsystemd's memfd

    def _socket(self) -> socket.socket:
        with self._lock:
            if self._sock is None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                try:
                    sock.connect(self._path)
                except OSError:
                    sock.close()
                    raise
                self._sock = sock
                atexit.register(self.drain)
            return self._sock

    def queued(self) -> int:
        """Bytes sent that journald has not read yet."""
        if self._sock is None:
            return 0
        raw = fcntl.ioctl(self._sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        return struct.unpack("i", raw)[0]

    def drain(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Wait until journald has read everything sent; False if it had not
        within `timeout` (journald stopped: the entries still arrive, maybe
        without their unit)."""
        if self._sock is None:
            return True
        end = time.monotonic() + timeout
        while self.queued():
            if time.monotonic() > end:
                return False
            time.sleep(0.002)
        time.sleep(GRACE_SECONDS)
        return True


def _big(message: str, fields: dict[str, Any]) -> None:
    from systemd._journal import sendv

    sendv(f"MESSAGE={message}", *(f"{k}={v}" for k, v in fields.items()))
