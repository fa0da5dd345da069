"""Hand a message to sendmail, the way cron mailed a failed job's output.

Header values come from outside (host names, unit names, error text), so
every one is flattened to a single line before it becomes a header: no value
can start a header of its own.
"""

import contextlib
import ctypes
import email.policy
import email.utils
import os
import socket
import subprocess
import time
from email.message import EmailMessage

from djops.text import one_line

TIMEOUT = 30.0


def hostname() -> str:
    return one_line(socket.getfqdn() or socket.gethostname(), 100)


THREAD_HEADERS = ("Message-Id", "In-Reply-To", "References")


def compose(
    project: str,
    kind: str,
    subject: str,
    body: str,
    to: list[str],
    thread: dict[str, str] | None = None,
) -> EmailMessage:
    """`thread`: the mail's place in an incident's thread (THREAD_HEADERS)."""
    host = hostname()
    msg = EmailMessage(policy=email.policy.default)  # LF: sendmail is local
    msg["Subject"] = subject_line(project, subject, host)
    msg["To"] = ", ".join(one_line(a, 254) for a in to)
    msg["From"] = f"djops <root@{host}>"
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-Id"] = email.utils.make_msgid("djops", domain=host)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Djops-Kind"] = one_line(kind, 40)
    for name, value in (thread or {}).items():
        if name in THREAD_HEADERS and value:
            del msg[name]
            msg[name] = one_line(value, 250)
    msg.set_content(body, charset="utf-8")
    return msg


def subject_line(project: str, subject: str, host: str | None = None) -> str:
    """The whole Subject: every djops mail's begins `[djops] P@HOST: `."""
    return one_line(f"[djops] {project}@{host or hostname()}: {subject}", 250)


def title(project: str, subject: str) -> str:
    """The Subject as the composed message gives it back (str(msg["Subject"])):
    a chat notice's title."""
    return str(email.policy.default.header_factory("Subject", subject_line(project, subject)))


class SendError(Exception):
    """sendmail is missing, failed or hung; the reason is one line."""


def sendmail(path: str, message: bytes, timeout: float = TIMEOUT) -> None:
    try:
        proc = subprocess.run(
            [path, "-t", "-oi"], input=message, capture_output=True, timeout=timeout
        )
    except FileNotFoundError:
        raise SendError(f"{path} not found (install dma, or set [health] sendmail)") from None
    except PermissionError:
        raise SendError(f"{path} is not executable") from None
    except subprocess.TimeoutExpired:
        raise SendError(f"{path} did not finish within {timeout:.0f}s") from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SendError(
            f"{path} exited with status {proc.returncode}: {one_line(err[-1]) if err else ''}"
        )


def become_subreaper() -> None:
    """dma delivers from a forked child: adopt it, so settle() can wait for it
    before a oneshot unit ends and systemd kills its cgroup."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def settle(timeout: float = 20.0) -> None:
    """Reap adopted delivery children, up to `timeout`; the MTA's queue keeps the rest."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.1)
