"""Healthchecks pings from real runs to a recording HTTP server on the
machine's loopback: /start then success (one rid), a failure's exit code
with the output's tail and no secret, the heartbeat, and a dead ping server
that costs the run nothing."""

import hashlib

import pytest
from helpers import events, now, pings_received, start_ping_recorder, wait_for

BASE = "http://127.0.0.1:8099/ping"
CONFIG = f"""[health]
interval_seconds = 5
ping_url = "{BASE}/beat"
[clearsessions]
schedule = "*-*-* 03:30"
ping_url = "{BASE}/cs"
[jobs.leaky]
exec = ["/bin/sh", "-c", "echo tail-marker; grep SECRET_KEY /etc/opt/demo/settings.py; exit 4"]
schedule = "weekly"
ping_url = "{BASE}/leaky"
"""


@pytest.fixture(scope="module", autouse=True)
def recorder(machine):
    start_ping_recorder(machine)
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.sh("djops enable demo")
    yield
    machine.sh("systemctl stop ping-recorder", check=False)
    machine.put("/etc/djops/demo.toml", "")
    machine.sh("djops enable demo")


def test_a_run_pings_start_then_success_with_one_rid(machine):
    machine.sh("djops clearsessions demo")
    got = wait_for(
        lambda: (
            [r for r in pings_received(machine) if r["path"].startswith("/ping/cs")]
            if len([r for r in pings_received(machine) if r["path"].startswith("/ping/cs")]) >= 2
            else None
        ),
        timeout=30,
        what="two pings",
    )
    start, end = got
    assert start["path"].startswith("/ping/cs/start?rid=")
    rid = start["path"].split("rid=")[1]
    assert end["path"] == f"/ping/cs?rid={rid}"
    assert "removed" in end["body"]


def test_a_failure_pings_its_exit_code_with_the_tail_and_no_secret(machine):
    secret = machine.sh(
        "sed -n 's/^SECRET_KEY = \"\\(.*\\)\"/\\1/p' /etc/opt/demo/settings.py"
    ).stdout.strip()
    assert len(secret) > 20
    machine.sh("djops run demo leaky", check=False)
    got = wait_for(
        lambda: [r for r in pings_received(machine) if r["path"].startswith("/ping/leaky/4")],
        timeout=30,
        what="the failure ping",
    )
    [fail] = got
    assert "tail-marker" in fail["body"] and "SECRET_KEY" in fail["body"]
    assert secret not in fail["body"]
    starts = [r for r in pings_received(machine) if r["path"].startswith("/ping/leaky/start")]
    assert len(starts) == 1
    machine.sh("systemctl reset-failed 'djops-job@demo:leaky.service'")


def test_the_heartbeat_pings(machine):
    machine.sh("djops heartbeat demo")
    wait_for(
        lambda: [r for r in pings_received(machine) if r["path"].startswith("/ping/beat?rid=")],
        timeout=30,
        what="the heartbeat ping",
    )


def test_a_dead_ping_server_costs_the_run_nothing(machine):
    machine.sh("systemctl stop ping-recorder")
    since = now(machine)
    out = machine.sh("djops clearsessions demo").stdout
    assert "removed" in out
    [failed] = wait_for(
        lambda: events(machine, "demo", "ping.failed", since)[:1], timeout=30, what="ping.failed"
    )
    # the ping URL is a token: named by its scheme and fingerprint only
    shown = f"http://…#{hashlib.sha256(f'{BASE}/cs'.encode()).hexdigest()[:4]}"
    assert failed["PRIORITY"] == "4" and shown in failed["MESSAGE"], failed["MESSAGE"]
    assert failed["DJOPS_URL"] == shown and "127.0.0.1" not in failed["MESSAGE"]
    assert not events(machine, "demo", "clearsessions.failed", since)
    machine.sh("systemctl stop djops-ping.service")  # its retries would outlive the test


def test_a_servers_body_limit_holds_in_the_next_delivery_run(machine):
    """Ping-Body-Limit: 50, learned by one run of djops-ping.service (the
    heartbeat's ping), holds for the failure ping the next run sends first."""
    m = machine
    m.sh("systemctl stop ping-recorder djops-ping.service", check=False)
    m.sh("rm -rf /var/lib/djops/pings/* /var/lib/djops/ping-body-limits.json")
    start_ping_recorder(m, limit="50")
    m.sh("djops heartbeat demo")
    wait_for(
        lambda: [r for r in pings_received(m) if r["path"].startswith("/ping/beat?rid=")],
        timeout=30,
        what="the heartbeat ping",
    )
    wait_for(
        lambda: (
            m.sh("systemctl show -P ActiveState djops-ping.service").stdout.strip() == "inactive"
        ),
        what="that delivery run's end",
    )
    # hold delivery back, so the failure ping is the first of the next run
    m.sh("systemctl stop djops-ping.path && systemctl mask --runtime djops-ping.service")
    try:
        m.sh("djops run demo leaky", check=False)
        m.sh("find /var/lib/djops/pings -name '*.json' | sort | head -n 1 | xargs rm -f")  # /start
    finally:
        m.sh("systemctl unmask --runtime djops-ping.service")
        m.sh("systemctl reset-failed djops-ping.service djops-ping.path", check=False)
        m.sh("systemctl start djops-ping.path")
    m.sh("systemctl start djops-ping.service")
    [fail] = wait_for(
        lambda: [r for r in pings_received(m) if r["path"].startswith("/ping/leaky/4")],
        timeout=30,
        what="the failure ping",
    )
    assert 0 < len(fail["body"].encode()) <= 50, fail["body"]
    m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'")
