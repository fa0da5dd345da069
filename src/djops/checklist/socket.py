"""`djops check`: is gunicorn's socket held by systemd ([socket] listen), and
does gunicorn really serve on that socket rather than on one it bound itself
(it ignores --bind only when systemd hands it LISTEN_FDS)? Without it, do
restarts refuse connections (djops.reload.refusals)?"""

import subprocess
import time

from djops.checklist.item import FAIL, OK, WARN, Item
from djops.config import Config
from djops.reload import refusals
from djops.systemd import systemctl, units


def listening(address: str) -> str:
    """`ss` lines of the listening socket at `address`, with their processes."""
    if address.startswith("/"):
        argv = ["ss", "-Hlxp", "src", address]
    else:
        argv = ["ss", "-Hltnp", f"sport = :{address.rsplit(':', 1)[-1]}"]
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def items(cfg: Config) -> list[Item]:
    listen, svc, sock = cfg.socket.listen, cfg.project.service, units.socket(cfg.name)
    if not listen:
        said = refusals.advice(cfg)
        return [Item("socket", WARN, "\n  ".join(said))] if said else []
    if not systemctl.is_active(sock):
        return [Item("socket", FAIL, f"{sock} is not active: run `djops enable {cfg.name}`")]
    out = [Item("socket", OK, f"{sock} holds {', '.join(listen)} across restarts of {svc}")]
    for address in listen:
        pid, lines = _settled(svc, address)
        if not lines:
            out.append(Item("socket", WARN, f"cannot tell who listens on {address} (ss -lp)"))
        elif '"systemd",pid=1,' in lines and f"pid={pid}," in lines and lines.count("\n") == 1:
            out.append(Item("socket", OK, f"{address}: gunicorn serves on it (MainPID {pid})"))
        else:
            out.append(
                Item(
                    "socket",
                    FAIL,
                    f"{address}: {svc} (MainPID {pid}) does not serve on systemd's socket: "
                    f"restart it (`systemctl restart {svc}`); see `ss -lp` for who listens",
                )
            )
    return out


def _settled(svc: str, address: str, tries: int = 5) -> tuple[str, str]:
    """MainPID and the listeners, read while no restart of `svc` ran between
    the two looks (a restart in progress is not gunicorn binding its own)."""
    for _ in range(tries):
        pid = systemctl.show(svc, "MainPID").get("MainPID", "0")
        lines = listening(address)
        if systemctl.show(svc, "MainPID").get("MainPID", "0") == pid and pid != "0":
            return pid, lines
        time.sleep(1)
    return pid, lines
