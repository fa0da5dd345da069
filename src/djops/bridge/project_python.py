"""Run djops.inproject code with the project's python.

Django is never imported into djops itself: the worker runs in the project's
own interpreter with the reference layout's environment and hands back one
JSON object on a private pipe. Its output is relayed through a pipe, with
control characters escaped and settings values masked, and it runs in a
session of its own, so it never shares root's terminal.

Root never runs the project's python: as root, `run` switches to the project
user first. The one step root does itself, compiling root-owned trees, runs
`root_interpreter` (the system interpreter behind the venv's `bin/python`,
trusted only if nobody but root can change it) isolated (`-I -S -B`), with
no project path on sys.path; or, when that interpreter is djops' own, in
djops' process itself, which compiles without importing anything either.
"""

import contextlib
import json
import os
import pwd
import re
import selectors
import signal
import subprocess
import sys
import time
from typing import Any, NamedTuple

from djops import paths, safefs, text
from djops.bridge import secrets
from djops.config import Config

MAX_REPORT = 16 << 20


class Result(NamedTuple):  # not a dataclass: each job run imports this module
    status: int
    data: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 0 and not self.data.get("error")


def environment(cfg: Config) -> dict[str, str]:
    """The environment of the reference's cron job and restart script."""
    p = cfg.project
    return {
        "PATH": f"{p.venv}/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONPATH": f"{p.settings_dir}:{p.code_dir}",
        "DJANGO_SETTINGS_MODULE": p.settings_module,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run(cfg: Config, command: str, *args: str, timeout: float | None = None) -> Result:
    """Run `inproject <command> <args>` with the venv's python; as root, as
    the project user (its groups too), so what is readable, writable and
    importable is what gunicorn sees."""
    argv = [f"{cfg.project.venv}/bin/python", str(paths.inproject_entry()), command]
    ident = identity(cfg.project.user) if os.geteuid() == 0 else {}
    return _spawn(cfg, argv, list(args), environment(cfg), cfg.project.code_dir, ident, timeout)


_PYTHON = re.compile(r"python3(\.[0-9]+)?")


def root_interpreter(cfg: Config) -> str:
    """The interpreter the venv's python resolves to, if root may run it:
    a python3 that only root can change, with no pyvenv.cfg anyone else can."""
    link = f"{cfg.project.venv}/bin/python"
    real = os.path.realpath(link)
    if not _PYTHON.fullmatch(os.path.basename(real)) or not os.path.isfile(real):
        raise safefs.Unsafe(f"{link} does not lead to a python3 interpreter (it is {real})")
    safefs.check_root_only(real)
    for cfg_file in (os.path.dirname(real), os.path.dirname(os.path.dirname(real))):
        if os.path.lexists(os.path.join(cfg_file, "pyvenv.cfg")):
            safefs.check_root_only(os.path.join(cfg_file, "pyvenv.cfg"))
    return real


def compile_as_root(
    cfg: Config, interpreter: str, dirs: list[str], timeout: float, only: list[str] | None = None
) -> Result:
    """Compile `dirs` (`only` these files of them, if given) with the trusted
    interpreter, isolated from the project."""
    if interpreter == os.path.realpath(sys.executable):
        return _compile_here(cfg, dirs, only)
    picked = [a for f in only for a in ("--only", f)] if only is not None else []
    args = ["--exclude", cfg.project.venv, *picked, *dirs]
    argv = [interpreter, "-I", "-S", "-B", str(paths.inproject_entry()), "compile"]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    return _spawn(cfg, argv, args, env, "/", {}, timeout)


def _compile_here(cfg: Config, dirs: list[str], only: list[str] | None) -> Result:
    """The usual case, a venv made with the system python3: the bytecode
    this interpreter writes is the one gunicorn loads, and this process
    imports nothing of the project either, so the compile needs no python
    of its own (a start saved from every reload: issue 29's latency)."""
    from djops.inproject import compile as compiling
    from djops.inproject import redact

    redactor = redact.Redactor.from_settings_dir(cfg.project.settings_dir, lazy=True)
    try:
        data, status = compiling.trees(dirs, [cfg.project.venv], only, redactor)
    except Exception as exc:  # as the worker reports it: redacted, never raised
        return Result(1, {"error": redactor.describe(exc)})
    return Result(status, data)


def _spawn(
    cfg: Config,
    argv: list[str],
    args: list[str],
    env: dict[str, str],
    cwd: str,
    identity: dict[str, Any],
    timeout: float | None,
) -> Result:
    read_fd, write_fd = os.pipe()
    argv = [*argv, "--settings-dir", cfg.project.settings_dir, "--result-fd", str(write_fd), *args]
    try:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            pass_fds=(write_fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **identity,
        )
    except OSError as e:
        os.close(read_fd)
        return Result(127, {"error": f"cannot run {argv[0]}: {e.strerror}"})
    finally:
        os.close(write_fd)
    # systemd stops a unit by signalling the whole cgroup; the worker finishes
    # its batch and reports, so the parent must outlive it rather than die first.
    old = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        raw, timed_out = _collect(proc, read_fd, cfg, timeout)
    finally:
        signal.signal(signal.SIGTERM, old)
        os.close(read_fd)
    if timed_out:
        return Result(124, {"error": f"the project's python did not finish within {timeout:.0f}s"})
    return _result(cfg, proc.returncode, raw, as_project=bool(identity))


def _result(cfg: Config, status: int, raw: bytes, as_project: bool) -> Result:
    """The worker's report: a JSON object, with the secret values it loaded
    taken out (remembered for masking, if root ran the project's own python)."""
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    loaded = data.pop(secrets.LOADED_KEY, None)
    if isinstance(loaded, list) and as_project:
        secrets.remember(cfg.name, loaded)
    if status != 0 and not data.get("error"):
        data["error"] = f"the project's python exited with status {status} without a report"
    return Result(status, data)


def _collect(
    proc: subprocess.Popen, result_fd: int, cfg: Config, timeout: float | None
) -> tuple[bytes, bool]:
    """Read the report and relay the output until both close and the worker
    exits; past `timeout`, kill its whole session. (report, timed out)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None
    sel.register(proc.stdout.fileno(), selectors.EVENT_READ, "output")
    sel.register(result_fd, selectors.EVENT_READ, "report")
    report, pending, relay = bytearray(), bytearray(), _Relay(cfg)
    try:
        while sel.get_map():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                _kill(proc)
                return bytes(report), True
            try:
                ready = sel.select(left)
            except KeyboardInterrupt:  # Ctrl-C reaches only us: pass it on, then stop
                _kill(proc, signal.SIGTERM)
                raise
            for key, _ in ready:
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
                elif key.data == "report":
                    if len(report) < MAX_REPORT:
                        report += chunk
                else:
                    pending += chunk
                    *lines, rest = pending.split(b"\n")
                    pending = bytearray(rest[-65536:])
                    relay.lines(lines)
        relay.lines([pending] if pending else [])
        left = None if deadline is None else max(0.1, deadline - time.monotonic())
        try:
            proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return bytes(report), True
    finally:
        sel.close()
        proc.stdout.close()
    return bytes(report), False


class _Relay:
    """The worker's output, line by line, to our stderr: escaped and masked."""

    def __init__(self, cfg: Config):
        self.cfg, self.redactor = cfg, None

    def lines(self, lines: list[bytes]) -> None:
        if not lines:
            return
        if self.redactor is None:
            self.redactor = secrets.redactor(self.cfg)
        for raw in lines:
            line = raw.decode("utf-8", "replace")
            print(text.printable(self.redactor.redact(line), newlines=False), file=sys.stderr)
        sys.stderr.flush()


def _kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, sig)
    if sig == signal.SIGKILL:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def identity(user: str) -> dict[str, Any]:
    pw = pwd.getpwnam(user)
    groups = [g for g in os.getgrouplist(user, pw.pw_gid) if g != pw.pw_gid]
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": groups}
