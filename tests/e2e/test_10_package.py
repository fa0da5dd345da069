"""The .deb: installs with apt, starts nothing, ships catalog, man page, units."""

import re

import pytest
from djops_ids import ALL_MESSAGE_IDS
from provision import as_on_a_terminal


def test_install_starts_nothing(machine):
    assert machine.state["installed_units_before"].strip() == ""
    units = machine.sh("systemctl list-units --all --no-legend 'djops*'").stdout
    assert units.strip() == "", units
    files = machine.sh("systemctl list-unit-files --no-legend 'djops*'").stdout
    for name in (
        "djops-clearsessions@.service",
        "djops-clearsessions@.timer",
        "djops-reload@.service",
        "djops-watch.service",
        "djops-health.service",
        "djops-heartbeat@.service",
        "djops-heartbeat@.timer",
        "djops-failure@.service",
        "djops-mailqueue.service",
        "djops-mailqueue.timer",
        "djops-mailqueue.path",
        "djops-ping.path",
        "djops-ping.timer",
        "djops-notify.path",
        "djops-notify.timer",
        "djops-notify.service",
        "djops@.target",
        "djops-socket@.socket",
        "djops-standin@.service",
    ):
        assert name in files
    enabled = machine.sh("ls /etc/systemd/system/multi-user.target.wants/").stdout
    assert "djops" not in enabled


def test_the_demo_shows_what_apt_did_not_its_progress(machine):
    """`make demo`'s first screen printed dpkg's twenty "(Reading database ...
    N%" redraws as lines (issue 19.7): what a terminal leaves standing is
    what a person reads, so that is what the demo shows."""
    raw = machine.state["install_output"]
    shown = as_on_a_terminal(raw)
    assert re.search(r"Reading database \.\.\. \d+%", raw), repr(raw[-3000:])
    assert not [ln for ln in shown if re.fullmatch(r"\(Reading database \.\.\. *(\d+%)?", ln)]
    [done] = [ln for ln in shown if ln.startswith("(Reading database ... ")]
    assert done.endswith("files and directories currently installed.)"), done
    assert any(ln.startswith("Setting up djops (") for ln in shown), shown
    assert not [ln for ln in shown if "stable CLI" in ln or not ln.strip()]
    assert len(shown) < 30, shown


def test_cli_and_docs_installed(machine):
    assert machine.sh("djops --version").stdout.startswith("djops ")
    assert "clearsessions" in machine.sh("djops --help").stdout
    machine.sh("test -f /usr/share/man/man8/djops.8.gz")
    machine.sh("test -f /usr/share/doc/djops/examples/P.toml")
    machine.sh("test -d /etc/djops && test -d /var/lib/djops")
    for f in ("djops.rules.yml", "djops.rules.test.yml", "djops-dashboard.json"):
        machine.sh(f"test -f /usr/share/djops/prometheus/{f}")


def test_catalog_explains_every_event(machine):
    catalog = machine.sh("journalctl --list-catalog --no-pager").stdout
    for mid in ALL_MESSAGE_IDS:
        assert mid in catalog, f"{mid} missing from the installed journal catalog"


# djops-mailqueue.service runs dma, which is setgid mail (NoNewPrivileges=
# would break it): it keeps CAP_SYS_ADMIN and what dma needs, hence its own limit.
HARDENED = {
    "djops-clearsessions@demo.service": 2.5,
    "djops-job@demo:any.service": 2.5,
    "djops-reload@demo.service": 2.5,
    "djops-watch.service": 2.5,
    "djops-health.service": 2.5,
    "djops-heartbeat@demo.service": 2.5,
    "djops-failure@demo.service.service": 2.5,
    "djops-mailqueue.service": 3.2,
    "djops-ping.service": 2.5,
    "djops-notify.service": 2.5,
    # gunicorn's twin: it serves the network and runs the project's code
    "djops-standin@demo.service": 4.0,
}


@pytest.mark.parametrize("unit", list(HARDENED))
def test_units_are_hardened(machine, unit):
    out = machine.sh(
        f"systemd-analyze security --no-pager {unit} | grep -i 'overall exposure'"
    ).stdout
    # "→ Overall exposure level for ...: 1.2 OK"
    score = float(re.search(r"exposure level for \S+: ([0-9.]+)", out).group(1))
    assert score <= HARDENED[unit], out
    dropins = machine.sh(f"systemctl show -P DropInPaths {unit}").stdout
    assert "/usr/lib/systemd/system/djops-.service.d/50-hardening.conf" in dropins
