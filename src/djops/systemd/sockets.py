"""djops-socket@P.socket into and out of P.service's way, for `djops enable`
and `djops disable`.

gunicorn binds its port itself until the socket is held, so the first hand-over
stops P.service, lets systemd bind, and starts P.service on systemd's socket
(the one moment with the port closed). Undoing it lets gunicorn bind again.
"""

from djops.config import Config
from djops.errors import OperationError
from djops.systemd import dropins, systemctl, units


def keys(p: str, service: str) -> list[str]:
    """The drop-ins that make the socket held: the socket's and P.service's."""
    return [units.socket(p), dropins.socket_dropin(service)]


def held(p: str, service: str) -> bool:
    return dropins.path_of(dropins.socket_dropin(service)).exists()


def sync(cfg: Config, changed: list[str], was_held: bool) -> str:
    """After `djops enable` wrote the drop-ins: hold, re-listen or let go."""
    p, svc, sock = cfg.name, cfg.project.service, units.socket(cfg.name)
    if not cfg.socket.listen:
        if was_held and dropins.remove(keys(p, svc)):
            systemctl.daemon_reload()
            release(p, svc)
            return f"  {sock} stopped: {svc} binds its own addresses again\n"
        return ""
    if any(k in changed for k in keys(p, svc)) or not systemctl.is_active(sock):
        _attach(p, svc)
    return (
        f"  {sock} holds {', '.join(cfg.socket.listen)} for {svc}: restarts refuse no connection\n"
    )


def _attach(p: str, svc: str) -> None:
    sock, was = units.socket(p), systemctl.is_active(svc)
    systemctl.run("stop", svc)  # it holds the port (or the old addresses) itself
    try:
        systemctl.run("restart", sock)
        if was:
            systemctl.run("start", svc)
    except OperationError as e:  # the address is taken: back to gunicorn binding it
        dropins.remove(keys(p, svc))
        systemctl.daemon_reload()
        systemctl.run("stop", sock, check=False)
        systemctl.run("reset-failed", sock, check=False)
        if was:
            systemctl.run("start", svc, check=False)
        raise OperationError(f"{sock} could not take over from {svc}: {e}") from None


def release(p: str, svc: str) -> None:
    """Drop-ins already gone: close systemd's socket; a running gunicorn
    restarts and binds by itself."""
    systemctl.run("stop", units.standin(p), units.socket(p), check=False)
    systemctl.run("reset-failed", units.socket(p), check=False)
    systemctl.run("try-restart", svc, check=False)
