"""Last on each machine: remove keeps the config, purge removes it."""


def test_remove_keeps_config_and_purge_removes_it(machine):
    machine.sh("apt-get remove -y -q djops", timeout=120)
    machine.sh("test -f /etc/djops/demo.toml")
    machine.sh("test -d /var/lib/djops/outbox")
    machine.sh("test ! -e /usr/bin/djops")
    machine.sh("apt-get purge -y -q djops", timeout=120)
    machine.sh("test ! -e /etc/djops && test ! -e /var/lib/djops")
    assert machine.sh("ls /etc/systemd/system | grep djops || true").stdout.strip() == ""
