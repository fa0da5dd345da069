"""The once-per-fleet claim of one run, held by the project's python (the
database and its credentials are the project's) for the run's length.

`hold()` starts djops.inproject.claim, reads its decision, and at the end
hands it the run's exit status on its stdin; if we die first, its stdin
closes and it lets go all the same.
"""

import contextlib
import json
import os
import select
import subprocess
import time
from collections.abc import Iterator
from typing import Any

from djops import paths
from djops.bridge import project_python
from djops.config import Config

DECISION_TIMEOUT = 60.0


class Held:
    """A claim in force (or refused): `decision`, then `end(status)`."""

    def __init__(self, proc: subprocess.Popen | None, decision: dict[str, Any]) -> None:
        self.proc, self.decision = proc, decision

    def end(self, status: int | None) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"" if status is None else f"{status}\n".encode())
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@contextlib.contextmanager
def hold(cfg: Config, job: str, host: str, window: float) -> Iterator[Held]:
    held = start(cfg, "--job", job, "--host", host, "--window", f"{window:g}")
    try:
        yield held
    finally:
        held.end(None)  # no-op once the run's status went


def drop(cfg: Config) -> dict[str, Any]:
    """`djops disable P --purge-db`: {"rows", "dropped"} or {"error"}."""
    held = start(cfg, "--job", f"{cfg.name}:", "--drop")
    held.end(None)
    return held.decision


def start(cfg: Config, *args: str) -> Held:
    read_fd, write_fd = os.pipe()
    argv = [
        f"{cfg.project.venv}/bin/python",
        str(paths.inproject_entry()),
        "claim",
        "--settings-dir",
        cfg.project.settings_dir,
        "--result-fd",
        str(write_fd),
        *args,
    ]
    ident = project_python.identity(cfg.project.user) if os.geteuid() == 0 else {}
    try:
        proc = subprocess.Popen(
            argv,
            env=project_python.environment(cfg),
            cwd=cfg.project.code_dir,
            pass_fds=(write_fd,),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,  # nothing to say but the report
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # never root's terminal (as project_python)
            **ident,
        )
    except OSError as e:
        os.close(read_fd)
        os.close(write_fd)
        return Held(None, {"error": f"cannot run {argv[0]}: {e.strerror}"})
    os.close(write_fd)
    raw = _read_until_closed(read_fd, DECISION_TIMEOUT)  # closed once it decided
    if raw is None:
        proc.kill()
        proc.wait()
        return Held(proc, {"error": f"no decision within {DECISION_TIMEOUT:.0f}s"})
    try:
        decision = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:
        decision = {}
    if not isinstance(decision, dict) or not decision:
        decision = {"error": "the project's python ended without a decision"}
    return Held(proc, decision)


def _read_until_closed(fd: int, timeout: float) -> bytes | None:
    deadline = time.monotonic() + timeout
    data = bytearray()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return bytes(data)
            data += chunk
    finally:
        os.close(fd)
