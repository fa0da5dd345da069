"""Restarts that refuse connections, and the two lines of P.toml that stop
them, for `djops check` and `djops enable`.

With restart = "restart" (the default) and no [socket] listen, every restart
of P.service refuses connections while gunicorn stops and binds its port
again: one settings change refused 61 of 27,539 requests of a sequential loop (bench/RESULTS.md, "reload"). With [socket] listen,
systemd holds the socket and connections wait instead; with restart =
"handover" a stand-in also serves them meanwhile.
"""

import os
import shlex

from djops.config import Config, restart_modes
from djops.config.addresses import listen_list
from djops.config.values import Invalid
from djops.systemd import standin, systemctl

PLACEHOLDER = "HOST:PORT"
_BIND = ("--bind", "-b")


def gunicorn_binds(argv: list[str]) -> list[str]:
    """The addresses of gunicorn's --bind / -b options in `argv`, in
    [socket] listen's form ("unix:/run/x.sock" -> "/run/x.sock"); what
    systemd cannot hold (fd://3, a host without a port) is left out."""
    found, take = [], False
    for arg in argv:
        if take:
            found.append(arg)
            take = False
        elif arg in _BIND:
            take = True
        elif arg.startswith("--bind="):
            found.append(arg.split("=", 1)[1])
        elif arg.startswith("-b") and not arg.startswith("--"):
            found.append(arg[2:])
    out: list[str] = []
    for address in found:
        try:
            out += listen_list([address])
        except Invalid:
            continue
    return list(dict.fromkeys(out))


def service_binds(service: str) -> list[str]:
    """Where P.service's gunicorn binds, read from `systemctl show` as the
    stand-in's drop-in is (its command line, else GUNICORN_CMD_ARGS); [] if
    it is not gunicorn or names no address (a config file may)."""
    s = systemctl.show(service, "ExecStart", "Environment")
    try:
        argv = standin.argv_of(s.get("ExecStart", ""))
        env = [e.split("=", 1) for e in shlex.split(s.get("Environment", "")) if "=" in e]
        cmd_args = shlex.split(dict(env).get("GUNICORN_CMD_ARGS", ""))
    except ValueError:  # unbalanced quotes: nothing to read
        return []
    if not any("gunicorn" in os.path.basename(a) for a in argv[:3]):
        return []
    return gunicorn_binds(argv) or gunicorn_binds(cmd_args)


def advice(cfg: Config) -> list[str]:
    """[] when P's restarts refuse nothing; else what happens, then the two
    config lines that stop it ([section] key = value)."""
    mode = restart_modes.of(cfg.watch.restart)
    if not mode.refuses or cfg.socket.listen:
        return []
    svc = cfg.project.service
    binds = service_binds(svc)
    listen = "[socket] listen = [" + ", ".join(f'"{b}"' for b in binds) + "]"
    if not binds:
        listen = (
            f'[socket] listen = ["{PLACEHOLDER}"]   # where gunicorn binds: '
            f"{svc}'s command line names no --bind"
        )
    return [
        f"restarts of {svc} refuse connections while gunicorn stops and binds again "
        f'([watch] restart = "{mode.name}" without [socket] listen); to stop it, set in '
        f"{cfg.path} (each key in its section):",
        listen,
        f'[watch] restart = "{restart_modes.HANDOVER.name}"',
    ]
