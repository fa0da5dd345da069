"""[notify] urls through Debian's Apprise, to two webhook recorders on the
machine's loopback (json:// and form://): the alert, its recovery and a job
failure arrive once each, with no planted secret; a recorder down for a
minute loses nothing, and then gets every message once, in order."""

import json
import re
import urllib.parse

import pytest
from helpers import events, now, received, start_recorder, wait_for

JSON, FORM = "notify-json", "notify-form"
WANTED = ["djops-job@demo:leaky.service failed", "ALERT service failing", "recovered service"]
CONFIG = """[health]
interval_seconds = 2
warn_after = 1
alert_after = 2
restart_after = 1000
[clearsessions]
schedule = "*-*-* 03:30"
[notify]
urls = ["json://127.0.0.1:8096/hook", "form://127.0.0.1:8095/form"]
[jobs.leaky]
exec = ["/bin/sh", "-c", "echo tail-marker; grep SECRET_KEY /etc/opt/demo/settings.py; exit 4"]
schedule = "weekly"
"""


@pytest.fixture(scope="module", autouse=True)
def recorders(machine):
    m = machine
    m.sh(f"rm -f /var/tmp/{JSON}.jsonl /var/tmp/{FORM}.jsonl")
    start_recorder(m, JSON, 8096)
    start_recorder(m, FORM, 8095)
    m.put("/etc/djops/demo.toml", CONFIG)
    m.sh("djops enable demo")
    yield
    m.sh(f"systemctl stop {JSON} {FORM}", check=False)
    m.sh("systemctl start demo.service")
    m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'", check=False)
    m.put("/etc/djops/demo.toml", "")
    m.sh("djops enable demo")
    m.sh("rm -rf /var/lib/djops/notify/*.json")


def titles(m, name: str) -> list[str]:
    """What each recorder got, as the djops subject line it carries."""
    out = []
    for r in received(m, name):
        if name == JSON:
            out.append(json.loads(r["body"])["title"])
        else:  # a form post: the title field's value
            out.append(urllib.parse.parse_qs(r["body"])["title"][0])
    return out


def wait_titles(m, name: str, wanted: list[str], timeout: float = 60) -> list[str]:
    def all_there() -> list[str] | None:
        got = titles(m, name)
        return got if all(any(w in t for t in got) for w in wanted) else None

    return wait_for(all_there, timeout=timeout, what=f"{wanted} at {name}")


def secret(m) -> str:
    value = m.sh(
        "sed -n 's/^SECRET_KEY = \"\\(.*\\)\"/\\1/p' /etc/opt/demo/settings.py"
    ).stdout.strip()
    assert len(value) > 20
    return value


def test_alert_recovery_and_job_failure_arrive_once_without_the_secret(machine):
    m = machine
    since = now(m)
    m.sh("djops run demo leaky", check=False)
    m.sh("systemctl stop demo.service")
    wait_for(lambda: events(m, "demo", "health.alert", since), timeout=30, what="the alert")
    m.sh("systemctl start demo.service")
    wanted = WANTED
    for name in (JSON, FORM):
        got = wait_titles(m, name, wanted)
        for w in wanted:
            assert len([t for t in got if w in t]) == 1, (w, got)
        assert got.index(next(t for t in got if "ALERT service" in t)) < got.index(
            next(t for t in got if "recovered service" in t)
        )
        bodies = "".join(r["body"] for r in received(m, name))
        assert "tail-marker" in bodies and secret(m) not in bodies
    assert all(t.startswith("[djops] demo@") for t in titles(m, JSON))
    m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'")


def test_a_recorder_down_for_a_minute_loses_nothing_and_keeps_the_order(machine):
    m = machine
    since = now(m)
    before = len(titles(m, JSON))
    m.sh(f"systemctl stop {JSON}")
    m.sh("djops run demo leaky", check=False)
    m.sh("systemctl stop demo.service")
    wait_for(lambda: events(m, "demo", "health.alert", since), timeout=30, what="the alert")
    m.sh("systemctl start demo.service")
    wait_for(lambda: events(m, "demo", "health.recovered", since), timeout=30, what="recovery")
    # the other channel is not held up by the one that is down
    wait_titles(m, FORM, ["ALERT service failing", "recovered service"], timeout=30)
    failed = wait_for(lambda: events(m, "demo", "notify.failed", since), what="notify.failed")
    assert failed[0]["PRIORITY"] == "4" and "json://127.0.0.1" in failed[0]["MESSAGE"]
    status = m.sh("djops status demo").stdout
    assert "json://127.0.0.1, form://127.0.0.1; last delivered" in status, status
    [line] = [ln for ln in status.splitlines() if ln.strip().startswith("notify ")]
    assert re.search(r"; [1-9][0-9]* waiting$", line), status
    m.sh("sleep 45")
    start_recorder(m, JSON, 8096)

    def ours() -> list[str]:
        new = titles(m, JSON)[before:]
        return [t.split(": ", 1)[1] for t in new if any(w in t for w in WANTED)]

    got = wait_for(
        lambda: ours() if len(ours()) >= 3 else None,
        timeout=150,
        what="the three kept notifications",
    )
    assert got == WANTED, got
    m.sh("sleep 3")
    assert ours() == WANTED, "each once"
    failed = [e for e in events(m, "demo", "notify.failed", since) if "json://" in e["MESSAGE"]]
    assert len(failed) == len(titles(m, JSON)) - before, "once per undelivered message"
    m.sh("systemctl reset-failed 'djops-job@demo:leaky.service'")
