"""Restarts that refuse connections, and the two lines of P.toml that stop
them, for `djops check` and `djops enable`.

With restart = "restart" (the default) and no [socket] listen, every restart
of P.service refuses connections while gunicorn stops and binds its port
again: one settings change refused 61 of 27,539 requests of a sequential loop (bench/RESULTS.md, "reload"). With [socket] listen,
systemd holds the socket and connections wait instead; with restart =
"handover" a stand-in also serves them meanwhile.
"""

from djops.config import Config, restart_modes
from djops.systemd import gunicorn_unit

PLACEHOLDER = "HOST:PORT"


def service_binds(service: str) -> list[str]:
    """Where P.service's gunicorn binds (djops.systemd.gunicorn_unit); [] if
    it is not gunicorn, names no address (a config file may) or cannot be read."""
    try:
        return gunicorn_unit.read(service).binds()
    except ValueError:  # unbalanced quotes: nothing to read
        return []


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
