"""Prometheus: with Debian's prometheus-node-exporter installed, djops-health
writes djops_demo.prom into the textfile collector's directory, and
`curl :9100/metrics` shows the djops metrics, which move after a run."""

import re

import pytest
from helpers import wait_for

CONFIG = """[health]
interval_seconds = 1
url = "http://127.0.0.1:8000/"
[clearsessions]
schedule = "*-*-* 03:30"
"""


def scrape(m) -> str:
    return m.sh("curl -fsS http://127.0.0.1:9100/metrics").stdout


def sample(text: str, name: str, **labels: str) -> float | None:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    found = re.search(rf"^{name}\{{{re.escape(inner)}\}} (\S+)$", text, re.M)
    return float(found.group(1)) if found else None


@pytest.fixture(scope="module", autouse=True)
def exporter(machine):
    machine.sh("systemctl start prometheus-node-exporter")
    machine.sh(
        "for i in $(seq 50); do curl -fs localhost:9100/metrics >/dev/null && exit 0; sleep 0.2; done; exit 1"
    )
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.sh("djops enable demo")
    yield
    machine.sh("systemctl stop prometheus-node-exporter")


def scraped_with(m, needle: str) -> str | None:
    text = scrape(m)
    return text if needle in text else None


def test_the_health_checks_reach_prometheus(machine):
    text = wait_for(
        lambda: scraped_with(machine, 'djops_health_check_up{check="http"'),
        timeout=30,
        what="djops metrics at :9100",
    )
    for check in ("service", "http", "disk", "mailqueue", "clearsessions"):
        assert sample(text, "djops_health_check_up", check=check, project="demo") == 1.0, check
        assert (
            sample(text, "djops_health_check_consecutive_failures", check=check, project="demo")
            == 0.0
        )
    assert "# TYPE djops_health_check_up gauge" in text
    stat = machine.sh("stat -c '%U %a' /var/lib/prometheus/node-exporter/djops_demo.prom").stdout
    assert stat.split() == ["root", "644"]


def test_a_run_moves_the_job_metrics(machine):
    before = sample(
        scrape(machine),
        "djops_job_last_success_timestamp_seconds",
        job="clearsessions",
        project="demo",
    )
    machine.sh("djops clearsessions demo")
    after = wait_for(
        lambda: (
            v
            if (
                v := sample(
                    scrape(machine),
                    "djops_job_last_success_timestamp_seconds",
                    job="clearsessions",
                    project="demo",
                )
            )
            and v != before
            else None
        ),
        timeout=30,
        what="a new last-success time",
    )
    assert after > (before or 0)
    text = scrape(machine)
    assert sample(text, "djops_job_last_exit_code", job="clearsessions", project="demo") == 0.0
    assert (
        sample(text, "djops_job_last_rows_removed", job="clearsessions", project="demo") is not None
    )
    assert sample(text, "djops_job_last_duration_seconds", job="clearsessions", project="demo") > 0
