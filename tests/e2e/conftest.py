"""End-to-end fixtures: one booted Debian per suite, with dma, an SMTP sink,
the demo project behind gunicorn, and the djops .deb installed with apt.

Tests in tests/e2e run in file order against that one machine per suite;
state carries over between them (enable before clearsessions before purge).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from machine import REPO, SUITES, Machine
from provision import deploy, install_deb, setup_mail

SELECTED = os.environ.get("DJOPS_E2E_SUITES", " ".join(SUITES)).split()
# several checkouts may run the suite at once on one host: give each its own names
PREFIX = os.environ.get("DJOPS_E2E_PREFIX", "djops-e2e")


# files that boot machines of their own on one suite only, whatever the suite asked
ONE_SUITE_FILES = {"test_80_fleet.py": "trixie"}


def pytest_configure(config: pytest.Config) -> None:
    if os.geteuid() != 0:
        raise pytest.UsageError("the end-to-end suite boots containers: run it as root")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make e2e` runs each suite in its own process: a file that boots its own
    machines of one suite runs in that suite's process only, not twice."""
    drop = [i for i in items if ONE_SUITE_FILES.get(i.path.name, SELECTED[0]) not in SELECTED]
    if drop:
        items[:] = [i for i in items if i not in drop]
        config.hook.pytest_deselected(items=drop)


@pytest.fixture(scope="session")
def deb() -> Path:
    debs = sorted((REPO / "dist").glob("djops_*_all.deb"))
    if not debs:
        raise pytest.UsageError("no dist/djops_*_all.deb: run `make deb` (make e2e does)")
    return debs[-1]


@pytest.fixture(scope="session", params=SELECTED)
def machine(request: pytest.FixtureRequest, deb: Path):
    m = Machine(request.param, f"{PREFIX}-{request.param}")
    m.boot()
    setup_mail(m)
    deploy(m, "demo")
    m.state = {
        "installed_units_before": m.sh("systemctl list-units --all --no-legend 'djops*'").stdout
    }
    m.state["install_output"] = install_deb(m, deb)
    yield m
    if os.environ.get("DJOPS_E2E_KEEP"):
        m.shutdown()
        print(f"\nkept {m.dir}", file=sys.stderr)
    else:
        m.destroy()
