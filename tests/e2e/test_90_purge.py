"""Last on each machine: upgrade, disable, remove and purge."""


def _pids(m) -> dict[str, str]:
    units = ("djops-watch.service", "djops-health.service")
    return {u: m.sh(f"systemctl show -P MainPID {u}").stdout.strip() for u in units}


def test_an_upgrade_restarts_the_running_daemons_with_the_new_code(machine, deb):
    m = machine
    m.sh("djops enable demo")
    before = _pids(m)
    assert "0" not in before.values()
    paths = "djops-mailqueue.path djops-ping.path"
    m.sh(f"systemctl disable --now {paths}")  # as installed before the .path units
    m.sh(f"cd /root && apt-get install -y -q --reinstall ./{deb.name}", timeout=300)
    after = _pids(m)
    for unit in before:
        assert after[unit] not in ("0", before[unit]), f"{unit} was not restarted"
        assert m.sh(f"systemctl is-active {unit}").stdout.strip() == "active"
    assert m.sh(f"systemctl is-enabled {paths}").stdout.split() == ["enabled", "enabled"]
    assert m.sh(f"systemctl is-active {paths}").stdout.split() == ["active", "active"]


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
