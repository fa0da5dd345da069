"""A booted Debian with the demo site and djops, for the daemon benchmarks
(the same machine the end-to-end suite uses)."""

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from machine import Machine  # noqa: E402
from provision import deploy, install_deb, setup_mail  # noqa: E402


def machine(name: str, suite: str = "trixie") -> Machine:
    debs = sorted((REPO / "dist").glob("djops_*_all.deb"))
    if not debs:
        raise SystemExit("no dist/djops_*_all.deb: run `make deb`")
    m = Machine(suite, name)
    m.boot()
    setup_mail(m)
    deploy(m, "demo")
    install_deb(m, debs[-1])
    return m


def clock(m: Machine) -> float:
    return float(m.sh("date +%s.%N").stdout)


def cpu_and_rss(m: Machine, pid: str) -> tuple[float, int]:
    """CPU seconds (user+system) and RSS in kB of one process."""
    fields = m.sh(f"cat /proc/{pid}/stat").stdout.rsplit(")", 1)[1].split()
    ticks = int(m.sh("getconf CLK_TCK").stdout)
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss = int(m.sh(f"awk '/VmRSS/ {{print $2}}' /proc/{pid}/status").stdout)
    return cpu, rss


def idle_footprint(m: Machine, unit: str, seconds: float) -> tuple[float, int]:
    """CPU seconds per hour and RSS (kB) of a unit's main process while idle."""
    pid = m.sh(f"systemctl show -P MainPID {unit}").stdout.strip()
    cpu0, _ = cpu_and_rss(m, pid)
    time.sleep(seconds)
    cpu1, rss = cpu_and_rss(m, pid)
    return (cpu1 - cpu0) * 3600 / seconds, rss


def journal_time(entry: dict) -> float:
    return int(entry["__REALTIME_TIMESTAMP"]) / 1e6
