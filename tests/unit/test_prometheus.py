"""The Prometheus mixin in /usr/share/djops/prometheus/: Prometheus' own
promtool accepts the rules and their unit tests pass, and the rules and the
dashboard use only metrics djops writes."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MIXIN = ROOT / "prometheus"
COLLECT = ROOT / "src" / "djops" / "metrics" / "collect.py"


def promtool(*args: str) -> str:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool is missing: apt install prometheus (make deps)")
    proc = subprocess.run([tool, *args], cwd=MIXIN, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_promtool_accepts_the_rules():
    assert "SUCCESS: 10 rules found" in promtool("check", "rules", "djops.rules.yml")


def test_the_rules_unit_tests_pass():
    assert "SUCCESS" in promtool("test", "rules", "djops.rules.test.yml")


def written() -> set[str]:
    """Every metric name djops_P.prom can carry."""
    return set(re.findall(r'Family\(\s*"(djops_[a-z_]+)"', COLLECT.read_text()))


def test_the_rules_use_only_metrics_djops_writes():
    used = set(re.findall(r"djops_[a-z_]+", (MIXIN / "djops.rules.yml").read_text()))
    assert used and used <= written(), used - written()


def test_the_dashboard_uses_only_metrics_djops_writes_and_all_of_them():
    dash = json.loads((MIXIN / "djops-dashboard.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    used = set(re.findall(r"djops_[a-z_]+", " ".join(exprs)))
    assert used == written(), used ^ written()
    assert all('project="$project"' in e for e in exprs)
