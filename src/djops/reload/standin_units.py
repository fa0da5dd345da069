"""The hand-over's systemd side (djops.reload.handover.Units), and the
apply step of restart = "handover".

The reload's process runs in a sandbox made for compiling and validating;
the hand-over needs more of root (the stand-in's drop-in, a daemon-reload,
the workers' /proc entries), so it runs in a transient unit of its own, as
the learning of the database address does, and says how it went in one
JSON line. Its seconds of warm-up dwarf that unit's start.
"""

import json
import os

from djops.config import Config, restart_modes
from djops.errors import OperationError
from djops.reload import handover, warm_requests, worker_ready
from djops.systemd import standin, systemctl, transient, units

TIMEOUT = 120.0  # per gunicorn: the app's load, on a busy 2-core box


class SystemdUnits:
    """Real units; remembers the stand-in's peak memory while it serves."""

    def __init__(self, listen: list[str] | None = None) -> None:
        self.peak: dict[str, int] = {}
        self.listen = listen or []

    def start(self, unit: str) -> None:
        systemctl.run("start", unit)

    def stop(self, unit: str) -> None:
        systemctl.run("stop", unit, check=False)
        systemctl.run("reset-failed", unit, check=False)

    def restart(self, unit: str) -> None:
        systemctl.run("restart", unit)

    def state(self, unit: str) -> str:
        return systemctl.show(unit, "ActiveState").get("ActiveState", "")

    def warm(self, unit: str) -> bool:
        mem = systemctl.show(unit, "MemoryCurrent").get("MemoryCurrent", "")
        self.peak[unit] = max(
            self.peak.get(unit, 0), int(mem) if mem.isdigit() else worker_ready.rss(unit)
        )
        return worker_ready.warm(unit)

    def warm_up(self, unit: str) -> None:
        """Two requests per worker of the unit: new connections, so other
        workers on the socket (the old gunicorn's too) take some of them."""
        _, pids = worker_ready.workers(unit)
        warm_requests.send(self.listen, 2 * len(pids) + 1)

    def why(self, unit: str) -> str:
        """What systemd knows; gunicorn's own words stay in its log (they may
        quote the code, and djops never logs what could hold a secret)."""
        s = systemctl.show(unit, "Result", "ExecMainStatus", "ActiveState")
        return (
            f"{s.get('ActiveState')}, result {s.get('Result')}, exit status "
            f"{s.get('ExecMainStatus')}; gunicorn's log and `journalctl -u {unit}` say why"
        )


def apply(cfg: Config) -> tuple[int, handover.Figures, int]:
    """The hand-over; (P.service's new MainPID, figures, stand-in peak bytes)."""
    svc, p = cfg.project.service, cfg.name
    if not cfg.socket.listen:
        mode = restart_modes.HANDOVER.name
        raise OperationError(f'[watch] restart = "{mode}" needs [socket] listen in {cfg.path}')
    if not systemctl.is_active(units.socket(p)):
        raise OperationError(f"{units.socket(p)} is not active: run `djops enable {p}`")
    standin.write(cfg)
    ops = SystemdUnits(cfg.socket.listen)
    figures = handover.run(svc, units.standin(p), ops, TIMEOUT)
    pid = int(systemctl.show(svc, "MainPID").get("MainPID") or 0)
    return pid, figures, ops.peak.get(units.standin(p), 0)


def apply_isolated(cfg: Config) -> tuple[int, dict[str, str]]:
    """`apply` in its transient unit: (P.service's new MainPID, the figures
    as journal fields). Raises handover.Rejected as `apply` does."""
    proc = transient.run(
        f"djops_handover_{cfg.name}_{os.getpid()}",
        ["/usr/bin/djops", "reload", "--handover", cfg.name],
        2 * TIMEOUT + 60,
    )
    try:
        said = json.loads(proc.stdout.strip().splitlines()[-1])
        if "rejected" in said:
            raise handover.Rejected(str(said["rejected"]))
        if "failed" in said:
            raise OperationError(str(said["failed"]))
        return int(said["pid"]), {k: str(v) for k, v in said["fields"].items()}
    except (IndexError, ValueError, KeyError, TypeError, AttributeError):
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        why = lines[-1] if lines else f"exit status {proc.returncode}"
        raise OperationError(f"the hand-over ended without a report: {why}") from None


def run_here(cfg: Config) -> str:
    """The transient unit's side: one JSON line, whatever happened."""
    try:
        pid, figures, peak = apply(cfg)
    except handover.Rejected as e:
        return json.dumps({"rejected": str(e)})
    except OperationError as e:
        return json.dumps({"failed": str(e)})
    fields = {
        "STANDIN_WARM": f"{figures.standin_warm:.1f}",
        "SERVICE_WARM": f"{figures.service_warm:.1f}",
        "STANDIN_MEMORY": str(peak),
    }
    return json.dumps({"pid": pid, "fields": fields})
