"""Has every worker of a gunicorn loaded the app? gunicorn's READY (and its
"Booting worker" line) come before that, so djops looks at the worker itself.

Each gunicorn worker has an unlinked temp file ("wgunicorn-*") that its
serving loop touches on every turn (gunicorn's worker timeout watches it):
`fchmod` up to 20.x, `utime` to a monotonic clock from 21 on. The loop starts
only once the app is loaded (with --preload, right after the fork). So a
worker is warm once that file is no longer as mkstemp made it. Root only
stat()s /proc/PID/fd links; it never opens or reads what they point to.
"""

import contextlib
import os
import stat
from pathlib import Path

from djops.systemd import systemctl

CGROUP_ROOT = Path("/sys/fs/cgroup")


def workers(unit: str) -> tuple[int, list[int]]:
    """(MainPID, the other processes of the unit's cgroup)."""
    s = systemctl.show(unit, "MainPID", "ControlGroup")
    main = int(s.get("MainPID") or 0)
    procs = CGROUP_ROOT / s.get("ControlGroup", "").lstrip("/") / "cgroup.procs"
    try:
        pids = [int(x) for x in procs.read_text().split()]
    except (OSError, ValueError):
        return main, []
    return main, [p for p in pids if p != main]


def rss(unit: str) -> int:
    """Bytes resident in the unit's processes (where systemd cannot count
    its memory, as in a container without the memory controller)."""
    main, pids = workers(unit)
    total = 0
    for pid in [main, *pids] if main else pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def touched(pid: int, proc: Path = Path("/proc")) -> bool | None:
    """True once the worker's loop has touched its temp file; None: no such file."""
    fds = proc / str(pid) / "fd"
    with contextlib.suppress(OSError):
        for fd in os.listdir(fds):
            with contextlib.suppress(OSError):
                if "wgunicorn-" not in os.readlink(fds / fd):
                    continue
                st = os.stat(fds / fd)
                fresh = stat.S_IMODE(st.st_mode) == 0o600 and abs(st.st_mtime - st.st_ctime) < 1
                return not fresh
    return None


def warm(unit: str) -> bool:
    """Every worker warm (at least one). A worker without its temp file is
    not: one that failed to load the app closes its files before it exits."""
    main, pids = workers(unit)
    return bool(main and pids) and all(touched(p) is True for p in pids)
