"""The mixin on a real Prometheus: Debian's prometheus server in the machine
scrapes its node-exporter (where djops-health writes djops_demo.prom), loads
/usr/share/djops/prometheus/djops.rules.yml, and DjopsJobFailed fires for a
job whose run failed and resolves after a successful run, DjopsJobSlow for a
run past max_runtime_seconds until it ends; every metric the dashboard draws
is in the scrape."""

import json

import pytest
from helpers import wait_for

MIXIN = "/usr/share/djops/prometheus"
CONFIG = """[health]
interval_seconds = 1
[clearsessions]
schedule = "*-*-* 03:30"
[jobs.flaky]
exec = ["/bin/sh", "-c", "test -e /etc/djops-test-flaky-ok"]
schedule = "weekly"
[jobs.slowpoke]
exec = ["/bin/sleep", "120"]
schedule = "weekly"
max_runtime_seconds = 2
"""
PROMETHEUS_YML = f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["{MIXIN}/djops.rules.yml"]
scrape_configs:
  - job_name: node
    honor_labels: true
    static_configs: [{{targets: ["127.0.0.1:9100"]}}]
"""


@pytest.fixture(scope="module", autouse=True)
def prometheus(machine):
    m = machine
    m.sh("rm -f /etc/djops-test-flaky-ok; rm -rf /var/tmp/prometheus")
    m.put("/etc/djops/demo.toml", CONFIG)
    m.sh("djops enable demo")
    m.sh("systemctl start prometheus-node-exporter")
    m.put("/root/prometheus.yml", PROMETHEUS_YML)
    m.sh(
        "systemd-run --unit=djops-test-prometheus /usr/bin/prometheus"
        " --config.file=/root/prometheus.yml --storage.tsdb.path=/var/tmp/prometheus"
        " --web.listen-address=127.0.0.1:9090"
    )
    try:
        wait_for(lambda: api(m, "rules") is not None, timeout=90, what="prometheus up")
    except AssertionError:
        log = m.sh("journalctl -u djops-test-prometheus --no-pager | tail -n 30", check=False)
        raise AssertionError(f"prometheus did not come up:\n{log.stdout}") from None
    yield
    m.sh("systemctl stop djops-test-prometheus prometheus-node-exporter", check=False)
    m.sh("systemctl stop 'djops-job@demo:slowpoke.service'", check=False)
    m.sh("systemctl reset-failed 'djops-job@demo:flaky.service' djops-test-prometheus", check=False)
    m.sh("rm -rf /var/tmp/prometheus /root/prometheus.yml /etc/djops-test-flaky-ok")
    m.put("/etc/djops/demo.toml", "")
    m.sh("djops enable demo")


def api(m, path: str):
    out = m.sh(f"curl -fsS http://127.0.0.1:9090/api/v1/{path}", check=False)
    return json.loads(out.stdout)["data"] if out.returncode == 0 else None


def firing(m, name: str) -> list[dict]:
    alerts = (api(m, "alerts") or {}).get("alerts", [])
    return [a for a in alerts if a["labels"]["alertname"] == name and a["state"] == "firing"]


def test_prometheus_loads_every_djops_rule(machine):
    [group] = [g for g in api(machine, "rules")["groups"] if g["name"] == "djops"]
    names = {r["name"] for r in group["rules"]}
    assert {"DjopsJobFailed", "DjopsJobSlow", "DjopsJobMissed", "DjopsMailQueueStuck"} <= names
    assert [r["name"] for r in group["rules"] if r["health"] == "err"] == []


def test_a_failed_job_fires_djops_job_failed_until_a_run_succeeds(machine):
    m = machine
    m.sh("djops run demo flaky", check=False)
    [alert] = wait_for(
        lambda: [a for a in firing(m, "DjopsJobFailed") if a["labels"].get("job") == "flaky"],
        timeout=60,
        what="DjopsJobFailed firing for flaky",
    )
    assert alert["labels"]["project"] == "demo" and alert["labels"]["severity"] == "warning"
    assert alert["annotations"]["summary"] == "demo: the last run of flaky exited 1"
    m.sh("systemctl reset-failed 'djops-job@demo:flaky.service'")
    m.sh("touch /etc/djops-test-flaky-ok && djops run demo flaky")
    wait_for(
        lambda: not [a for a in firing(m, "DjopsJobFailed") if a["labels"].get("job") == "flaky"],
        timeout=60,
        what="DjopsJobFailed resolved",
    )


def test_a_run_past_max_runtime_fires_djops_job_slow_until_it_ends(machine):
    m = machine
    slowpoke = "'djops-job@demo:slowpoke.service'"
    m.sh(f"systemctl start --no-block {slowpoke}")
    [alert] = wait_for(
        lambda: [a for a in firing(m, "DjopsJobSlow") if a["labels"].get("job") == "slowpoke"],
        timeout=60,
        what="DjopsJobSlow firing for slowpoke",
    )
    assert alert["labels"]["project"] == "demo" and alert["labels"]["severity"] == "warning"
    assert firing(m, "DjopsJobMissed") == []
    m.sh(f"systemctl stop {slowpoke}; systemctl reset-failed {slowpoke}", check=False)
    wait_for(
        lambda: not [a for a in firing(m, "DjopsJobSlow") if a["labels"].get("job") == "slowpoke"],
        timeout=60,
        what="DjopsJobSlow resolved",
    )


def test_every_metric_the_dashboard_draws_is_scraped(machine):
    import re

    m = machine
    m.sh("djops clearsessions demo")
    m.sh("djops reload demo")
    dash = json.loads(m.sh(f"cat {MIXIN}/djops-dashboard.json").stdout)
    drawn = set(re.findall(r"djops_[a-z_]+", json.dumps([p["targets"] for p in dash["panels"]])))
    drawn.discard("djops_reload_last_rejected_timestamp_seconds")  # only after a rejected one

    def missing() -> set[str] | None:
        have = set(api(m, "label/__name__/values") or [])
        return None if drawn <= have else drawn - have

    wait_for(lambda: missing() is None, timeout=60, what="the dashboard's metrics in a scrape")
