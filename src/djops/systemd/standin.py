"""The drop-in that makes djops-standin@P.service P.service's twin: its
command, user, group, environment and working directory, read from
`systemctl show` (what systemd really runs, after every drop-in), and the
socket it shares (the template's Sockets=).

Written again before each hand-over, so an edited P.service is followed.
Two things differ: gunicorn's pid file is left to P.service, and gunicorn
>= 25.1 gets `--no-control-socket` (its one default path is P.service's).
"""

from djops.config import Config
from djops.errors import OperationError
from djops.systemd import dropins, gunicorn_unit, systemctl, units


def quote(arg: str) -> str:
    """One argument of a unit file's command line, taken literally."""
    arg = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{arg}"'


def contents(cfg: Config) -> str:
    svc = cfg.project.service
    s = systemctl.show(svc, *gunicorn_unit.PROPERTIES, "User", "Group", "EnvironmentFiles")
    try:
        g = gunicorn_unit.of(s)
    except ValueError as e:
        raise OperationError(f"{svc}: its ExecStart= or Environment= cannot be read ({e})") from e
    argv = gunicorn_unit.without_pidfile(list(g.argv))
    if not argv:
        raise OperationError(f"{svc} has no ExecStart= to run a stand-in with")
    if g.version() >= (25, 1):
        argv.insert(1, "--no-control-socket")
    lines = ["[Service]", "ExecStart=", "ExecStart=" + " ".join(quote(a) for a in argv)]
    lines.append(f"User={s.get('User') or cfg.project.user}")
    if s.get("Group"):
        lines.append(f"Group={s['Group']}")
    lines += [f"Environment={quote(e)}" for e in g.environment]
    for f in filter(None, s.get("EnvironmentFiles", "").split("\n")):
        path, _, flags = f.partition(" (")
        lines.append(f"EnvironmentFile={'-' if 'ignore_errors=yes' in flags else ''}{path}")
    if g.cwd.startswith(("/", "~", "!")):
        lines.append(f"WorkingDirectory={g.cwd}")
    return "\n".join(lines) + "\n"


def write(cfg: Config) -> None:
    """Write (or refresh) the stand-in's drop-in; daemon-reload if it changed."""
    if dropins.write(cfg.name, {units.standin(cfg.name): contents(cfg)}):
        systemctl.daemon_reload()
