"""P.service's gunicorn, read once from `systemctl show` (what systemd
really runs, after every drop-in): its command line, its environment
(GUNICORN_CMD_ARGS split as gunicorn splits it, with shlex) and its working
directory. What djops asks of it is answered here: where it binds (for
`djops check`'s two lines), whether it preloads the app (a SIGHUP then
loads no new settings), its config file, its version, and its command as
the hand-over's stand-in runs it. Its files are read, never run."""

import glob
import os
import re
import shlex
from typing import NamedTuple

from djops import safefs
from djops.config.addresses import listen_list
from djops.config.values import Invalid
from djops.systemd import systemctl

PROPERTIES = ("ExecStart", "Environment", "WorkingDirectory")
_FIELD = re.compile(r"(path|argv\[\])=([^;]*)")
_PRELOAD_APP = re.compile(r"^\s*preload_app\s*=\s*True\b", re.M)
_BIND = ("--bind", "-b")
_PID = ("--pid", "-p")
_CONFIG = ("--config", "-c")


def argv_of(exec_start: str) -> list[str]:
    """`{ path=/x ; argv[]=/x --a b ; ... }` -> ["/x", "--a", "b"] (the
    first command only); ValueError for quotes shlex cannot balance."""
    fields = dict(_FIELD.findall(exec_start.split("}", 1)[0]))
    argv = shlex.split(fields.get("argv[]", "").strip())
    if argv and fields.get("path", "").strip():
        argv[0] = fields["path"].strip()  # the path systemd resolved
    return argv


def _options(argv: list[str], names: tuple[str, ...]) -> list[str]:
    """The values of an option in `argv`: `--name v`, `--name=v`, `-nv`."""
    long, short = names
    found, take = [], False
    for arg in argv:
        if take:
            found.append(arg)
            take = False
        elif arg in names:
            take = True
        elif arg.startswith(f"{long}="):
            found.append(arg.split("=", 1)[1])
        elif arg.startswith(short) and not arg.startswith("--") and len(arg) > 2:
            found.append(arg[2:])
    return found


def binds_of(argv: list[str]) -> list[str]:
    """The addresses of gunicorn's --bind / -b options in `argv`, in
    [socket] listen's form ("unix:/run/x.sock" -> "/run/x.sock"); what
    systemd cannot hold (fd://3, a host without a port) is left out."""
    out: list[str] = []
    for address in _options(argv, _BIND):
        try:
            out += listen_list([address])
        except Invalid:
            continue
    return list(dict.fromkeys(out))


def without_pidfile(argv: list[str]) -> list[str]:
    """`argv` without gunicorn's --pid: the pid file is P.service's own."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in _PID:
            skip = True
        elif not a.startswith("--pid="):
            out.append(a)
    return out


class Gunicorn(NamedTuple):
    """P.service's command as systemd runs it."""

    argv: tuple[str, ...]
    environment: tuple[str, ...]  # NAME=value, as Environment= holds them
    cwd: str

    @property
    def cmd_args(self) -> list[str]:
        env = dict(e.split("=", 1) for e in self.environment if "=" in e)
        try:
            return shlex.split(env.get("GUNICORN_CMD_ARGS", ""))
        except ValueError:
            return []

    def is_gunicorn(self) -> bool:
        """gunicorn itself, or `python -m gunicorn`, or a wrapper naming it."""
        return any("gunicorn" in os.path.basename(a) for a in self.argv[:3])

    def binds(self) -> list[str]:
        """Where it binds: the command line's, else GUNICORN_CMD_ARGS' (as
        gunicorn: its command line wins); [] if it is not gunicorn or names
        no address (a config file may)."""
        if not self.is_gunicorn():
            return []
        return binds_of(list(self.argv)) or binds_of(self.cmd_args)

    def config_file(self) -> str:
        """The config file gunicorn reads, as a path ("" for a python: module)."""
        named = _options(list(self.argv), _CONFIG) or _options(self.cmd_args, _CONFIG)
        path = named[0] if named else "gunicorn.conf.py"  # the default, in its cwd
        if path.startswith("python:"):
            return ""
        return path if os.path.isabs(path) else os.path.join(self.cwd or "/", path)

    def preloads(self) -> str:
        """Why a SIGHUP would not load new settings ("" if it would): with
        --preload (or preload_app = True in its config file) the master
        imports the app once, and a HUP only forks new workers from it."""
        if "--preload" in self.argv:
            return "--preload in its ExecStart="
        if "--preload" in self.cmd_args:
            return "--preload in its GUNICORN_CMD_ARGS="
        config = self.config_file()
        try:  # read only: root never imports the project's config
            text = safefs.read_bytes(config, 1 << 20, follow=True).decode("utf-8", "replace")
        except (OSError, TypeError, ValueError):
            return ""
        return f"preload_app = True in {config}" if _PRELOAD_APP.search(text) else ""

    def version(self) -> tuple[int, ...]:
        """From the dist-info beside the program's venv; () if unknown."""
        venv = os.path.dirname(os.path.dirname(self.argv[0])) if self.argv else ""
        pattern = f"{glob.escape(venv)}/lib/python3*/site-packages/gunicorn-*.dist-info"
        for d in glob.glob(pattern) if venv else ():
            m = re.search(r"gunicorn-(\d+)\.(\d+)", os.path.basename(d))
            if m:
                return (int(m[1]), int(m[2]))
        return ()


def of(show: dict[str, str]) -> Gunicorn:
    """From what `systemctl show` said of PROPERTIES (and any others);
    ValueError for a command or environment whose quotes do not balance."""
    argv = tuple(argv_of(show.get("ExecStart", "")))
    environment = tuple(shlex.split(show.get("Environment", "")))
    return Gunicorn(argv, environment, show.get("WorkingDirectory", ""))


def read(service: str) -> Gunicorn:
    """`service` as systemd runs it (ValueError: as of())."""
    return of(systemctl.show(service, *PROPERTIES))
