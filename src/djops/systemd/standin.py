"""The drop-in that makes djops-standin@P.service P.service's twin: its
command, user, group, environment and working directory, read from
`systemctl show` (what systemd really runs, after every drop-in), and the
socket it shares (the template's Sockets=).

Written again before each hand-over, so an edited P.service is followed.
Two things differ: gunicorn's pid file is left to P.service, and gunicorn
>= 25.1 gets `--no-control-socket` (its one default path is P.service's).
"""

import glob
import os
import re
import shlex

from djops.config import Config
from djops.errors import OperationError
from djops.systemd import dropins, systemctl, units

_FIELD = re.compile(r"(path|argv\[\])=([^;]*)")
_PID = ("--pid", "-p")


def argv_of(exec_start: str) -> list[str]:
    """`{ path=/x ; argv[]=/x --a b ; ... }` -> ["/x", "--a", "b"]."""
    fields = dict(_FIELD.findall(exec_start.split("}", 1)[0]))
    argv = shlex.split(fields.get("argv[]", "").strip())
    if argv and fields.get("path", "").strip():
        argv[0] = fields["path"].strip()  # the path systemd resolved
    return argv


def without_pidfile(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in _PID:
            skip = True
        elif not a.startswith("--pid="):
            out.append(a)
    return out


def gunicorn_version(program: str) -> tuple[int, ...]:
    """From the dist-info beside the program's venv (read, never run); () if unknown."""
    venv = os.path.dirname(os.path.dirname(program))
    for d in glob.glob(f"{glob.escape(venv)}/lib/python3*/site-packages/gunicorn-*.dist-info"):
        m = re.search(r"gunicorn-(\d+)\.(\d+)", os.path.basename(d))
        if m:
            return (int(m[1]), int(m[2]))
    return ()


def quote(arg: str) -> str:
    """One argument of a unit file's command line, taken literally."""
    arg = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{arg}"'


def contents(cfg: Config) -> str:
    svc = cfg.project.service
    s = systemctl.show(
        svc, "ExecStart", "User", "Group", "Environment", "EnvironmentFiles", "WorkingDirectory"
    )
    argv = without_pidfile(argv_of(s.get("ExecStart", "")))
    if not argv:
        raise OperationError(f"{svc} has no ExecStart= to run a stand-in with")
    if gunicorn_version(argv[0]) >= (25, 1):
        argv.insert(1, "--no-control-socket")
    lines = ["[Service]", "ExecStart=", "ExecStart=" + " ".join(quote(a) for a in argv)]
    lines.append(f"User={s.get('User') or cfg.project.user}")
    if s.get("Group"):
        lines.append(f"Group={s['Group']}")
    lines += [f"Environment={quote(e)}" for e in shlex.split(s.get("Environment", ""))]
    for f in filter(None, s.get("EnvironmentFiles", "").split("\n")):
        path, _, flags = f.partition(" (")
        lines.append(f"EnvironmentFile={'-' if 'ignore_errors=yes' in flags else ''}{path}")
    if s.get("WorkingDirectory", "").startswith(("/", "~", "!")):
        lines.append(f"WorkingDirectory={s['WorkingDirectory']}")
    return "\n".join(lines) + "\n"


def write(cfg: Config) -> None:
    """Write (or refresh) the stand-in's drop-in; daemon-reload if it changed."""
    if dropins.write(cfg.name, {units.standin(cfg.name): contents(cfg)}):
        systemctl.daemon_reload()
