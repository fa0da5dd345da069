"""sd_notify through Debian's python3-sdnotify: READY=1, WATCHDOG=1, STATUS=.

Outside a unit (no NOTIFY_SOCKET) every call is a no-op, so the daemons run
the same in a terminal.
"""

import os


class Notifier:
    def __init__(self) -> None:
        self._n = None
        if os.environ.get("NOTIFY_SOCKET"):
            from sdnotify import SystemdNotifier

            self._n = SystemdNotifier()

    def send(self, state: str) -> None:
        if self._n is not None:
            self._n.notify(state)

    def ready(self, status: str) -> None:
        self.send(f"READY=1\nSTATUS={status}")

    def status(self, status: str) -> None:
        self.send(f"STATUS={status}")

    def alive(self) -> None:
        self.send("WATCHDOG=1")


def watchdog_interval(default: float = 10.0) -> float:
    """How often to send WATCHDOG=1: a third of WatchdogSec=."""
    usec = os.environ.get("WATCHDOG_USEC")
    return int(usec) / 3e6 if usec and usec.isdigit() else default


# STATUS= of a run that another host took (once per fleet): its root steps
# (pings, the output mail) read it back and stay silent
SKIPPED = "skipped: "


def skipped(unit: str) -> bool:
    from djops.systemd import systemctl

    return systemctl.show(unit, "StatusText").get("StatusText", "").startswith(SKIPPED)
