"""Last on each machine: upgrade, disable, remove and purge."""

import json
import subprocess

from helpers import events, now, wait_for
from machine import REPO


def _pids(m) -> dict[str, str]:
    units = ("djops-watch.service", "djops-health.service")
    return {u: m.sh(f"systemctl show -P MainPID {u}").stdout.strip() for u in units}


# 0.1's per-project daemons, as 0.1.0 (233ec14) shipped them
BASE = "233ec14"
OLD_UNITS = ("djops-watch@.service", "djops-health@.service")
LIB = "/usr/lib/systemd/system"
WANTS = "/etc/systemd/system/djops@demo.target.wants"


def test_an_upgrade_from_0_1_moves_enabled_projects_to_the_host_daemons(machine, deb):
    """0.1's djops-watch@P and djops-health@P (their template files, links and
    drop-ins, running) become the host's two daemons at `apt install`; the
    health state (ladders) and paused jobs are read on as they are."""
    m = machine
    m.sh("djops enable demo")
    m.sh("systemctl disable --now djops-watch.service djops-health.service")
    for unit in OLD_UNITS:
        text = subprocess.run(
            ["git", "show", f"{BASE}:units/{unit}"], cwd=REPO, capture_output=True, text=True
        ).stdout
        assert "[Service]" in text, unit
        m.put(f"{LIB}/{unit}", text)
        instance = unit.replace("@", "@demo")
        m.sh(f"mkdir -p {WANTS} && ln -sf {LIB}/{unit} {WANTS}/{instance}")
        m.put(
            f"/etc/systemd/system/{instance}.d/djops.conf",
            "[Service]\nEnvironment=DJOPS_CONFIG_DIGEST=0123456789abcdef\n",
        )
    old = [u.replace("@", "@demo") for u in OLD_UNITS]
    try:
        m.sh("systemctl daemon-reload && systemctl start " + " ".join(old))
        assert m.sh("systemctl is-active " + " ".join(old)).stdout.split() == ["active"] * 2
        m.sh("djops pause demo clearsessions")
        ladders = json.loads(m.sh("cat /var/lib/djops/health-demo.json").stdout)["checks"]
        since = now(m)
        m.sh(f"cd /root && apt-get install -y -q --reinstall ./{deb.name}", timeout=300)
        for unit in old:
            assert m.sh(f"systemctl is-active {unit}", check=False).stdout.strip() != "active"
            m.sh(f"test ! -e {WANTS}/{unit} && test ! -e /etc/systemd/system/{unit}.d")
        for unit in HOST:
            assert m.sh(f"systemctl is-enabled {unit}").stdout.strip() == "enabled"
            assert m.sh(f"systemctl is-active {unit}").stdout.strip() == "active"
        wait_for(
            lambda: (
                json.loads(m.sh("cat /var/lib/djops/health-demo.json").stdout)["updated"]
                > float(since)
            ),
            what="a round of the host daemon",
        )
        after = json.loads(m.sh("cat /var/lib/djops/health-demo.json").stdout)["checks"]
        assert set(ladders) <= set(after), "the ladders go on from the saved state"
        assert not events(m, "demo", "state.ignored", since)
        assert "paused" in m.sh("djops status demo").stdout
    finally:
        m.sh("djops resume demo clearsessions", check=False)
        m.sh(f"systemctl stop {' '.join(old)}; rm -f " + " ".join(f"{LIB}/{u}" for u in OLD_UNITS))
        m.sh("systemctl daemon-reload && systemctl reset-failed", check=False)
        m.sh("djops enable demo")


HOST = ("djops-watch.service", "djops-health.service")


def test_an_upgrade_restarts_the_running_daemons_with_the_new_code(machine, deb):
    m = machine
    m.sh("djops enable demo")
    before = _pids(m)
    assert "0" not in before.values()
    paths = "djops-mailqueue.path djops-ping.path"
    m.sh(f"systemctl disable --now {paths}")  # as installed before the .path units
    m.sh("systemctl disable --now djops-ping.timer")  # and before the ping timer
    m.sh(f"cd /root && apt-get install -y -q --reinstall ./{deb.name}", timeout=300)
    after = _pids(m)
    for unit in before:
        assert after[unit] not in ("0", before[unit]), f"{unit} was not restarted"
        assert m.sh(f"systemctl is-active {unit}").stdout.strip() == "active"
    assert m.sh(f"systemctl is-enabled {paths}").stdout.split() == ["enabled", "enabled"]
    assert m.sh(f"systemctl is-active {paths}").stdout.split() == ["active", "active"]
    assert m.sh("systemctl is-enabled djops-ping.timer").stdout.strip() == "enabled"
    assert m.sh("systemctl is-active djops-ping.timer").stdout.strip() == "active"


def test_disable_removes_everything_enable_added(machine):
    machine.sh("djops disable demo && djops disable demo")
    machine.sh("test ! -e /etc/systemd/system/demo.service.d/djops-onfailure.conf")
    assert "OnFailure" not in machine.sh("systemctl cat demo.service").stdout
    for unit in (
        "djops-watch.service",
        "djops-watch@demo.service",
        "djops-health.service",
        "djops-health@demo.service",
        "djops-mailqueue.timer",
        "djops-mailqueue.path",
        "djops-ping.path",
        "djops-ping.timer",
        "djops-notify.path",
        "djops-notify.timer",
    ):
        assert machine.sh(f"systemctl is-enabled {unit}", check=False).stdout.strip() != "enabled"
        assert machine.sh(f"systemctl is-active {unit}", check=False).stdout.strip() != "active"
    assert machine.sh("systemctl is-active demo.service").stdout.strip() == "active"
    machine.sh("test -f /etc/djops/demo.toml")


def test_remove_stops_what_runs_and_keeps_config_and_purge_removes_it(machine):
    # an enabled project with a job, removed without disable
    machine.put("/etc/djops/demo.toml", '[jobs.tick]\ncommand = ["check"]\nschedule = "hourly"\n')
    machine.sh("djops enable demo")
    assert "active" in machine.sh("systemctl is-active djops-watch.service").stdout
    assert "active" in machine.sh("systemctl is-active 'djops-job@demo:tick.timer'").stdout
    machine.sh("apt-get remove -y -q djops", timeout=120)
    running = machine.sh("systemctl list-units --state=active --no-legend 'djops*'").stdout
    assert running.strip() == "", running
    machine.sh("test -f /etc/djops/demo.toml")
    machine.sh("test -d /var/lib/djops/outbox")
    machine.sh("test ! -e /usr/bin/djops")
    machine.sh("apt-get purge -y -q djops", timeout=120)
    machine.sh("test ! -e /etc/djops && test ! -e /var/lib/djops")
    left = machine.sh("find /etc/systemd/system -name '*djops*'").stdout.strip()
    assert left == "", left
    assert machine.sh("systemctl list-units --all --no-legend 'djops*'").stdout.strip() == ""
