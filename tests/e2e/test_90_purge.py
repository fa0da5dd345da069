"""Last on each machine: remove keeps the config, purge removes it."""


def test_disable_removes_everything_enable_added(machine):
    machine.sh("djops disable demo && djops disable demo")
    machine.sh("test ! -e /etc/systemd/system/demo.service.d/djops-onfailure.conf")
    assert "OnFailure" not in machine.sh("systemctl cat demo.service").stdout
    for unit in ("djops-watch@demo.service", "djops-health@demo.service", "djops-mailqueue.timer"):
        assert machine.sh(f"systemctl is-enabled {unit}", check=False).stdout.strip() != "enabled"
        assert machine.sh(f"systemctl is-active {unit}", check=False).stdout.strip() != "active"
    assert machine.sh("systemctl is-active demo.service").stdout.strip() == "active"
    machine.sh("test -f /etc/djops/demo.toml")


def test_remove_keeps_config_and_purge_removes_it(machine):
    machine.sh("apt-get remove -y -q djops", timeout=120)
    machine.sh("test -f /etc/djops/demo.toml")
    machine.sh("test -d /var/lib/djops/outbox")
    machine.sh("test ! -e /usr/bin/djops")
    machine.sh("apt-get purge -y -q djops", timeout=120)
    machine.sh("test ! -e /etc/djops && test ! -e /var/lib/djops")
    left = machine.sh("find /etc/systemd/system -name '*djops*'").stdout.strip()
    assert left == "", left
    assert machine.sh("systemctl list-units --all --no-legend 'djops*'").stdout.strip() == ""
