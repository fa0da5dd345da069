"""Learning where the database listens runs the project's python: as root
from anywhere but its own transient unit, it goes through systemd-run
(djops.systemd.transient), never in this process, so nothing the
project's code forks outlives the step in a root unit."""

import os

import pytest

from djops import config, paths
from djops.bridge.project_python import Result
from djops.health import dbaddress


@pytest.fixture
def cfg(project):
    return config.load(project, live=False)


@pytest.fixture
def as_root(monkeypatch):
    monkeypatch.setattr(dbaddress.transient.os, "geteuid", lambda: 0)
    monkeypatch.delenv(dbaddress.transient.ISOLATED, raising=False)


def test_as_root_it_goes_through_a_transient_unit(cfg, as_root, monkeypatch):
    monkeypatch.setattr(
        dbaddress.project_python,
        "run",
        lambda *a, **k: pytest.fail("the project's python ran in root's process"),
    )
    asked = []

    def run(name, argv, timeout):
        asked.append((name, argv, timeout))
        return dbaddress.transient.subprocess.CompletedProcess(
            argv, 0, "noise\nthe database of p: postgresql at /run/pg.sock\n", ""
        )

    monkeypatch.setattr(dbaddress.transient, "run", run)
    assert dbaddress.learn_isolated(cfg) == "the database of p: postgresql at /run/pg.sock"
    [(name, argv, timeout)] = asked
    assert name == f"djops_learn_{cfg.name}_{os.getpid()}", "one unit per step"
    assert argv == ["/usr/bin/djops", "health", "--learn-database", cfg.name]
    assert timeout == dbaddress.TIMEOUT


def test_a_step_that_failed_says_why_or_that_it_is_unknown(cfg, as_root, monkeypatch):
    done = dbaddress.transient.subprocess.CompletedProcess
    monkeypatch.setattr(
        dbaddress.transient, "run", lambda *a: done(a[1], 1, "", "systemd-run failed: gone\n")
    )
    assert dbaddress.learn_isolated(cfg) == "systemd-run failed: gone"
    monkeypatch.setattr(dbaddress.transient, "run", lambda *a: done(a[1], 1, "", ""))
    assert dbaddress.learn_isolated(cfg) == f"the database address of {cfg.name} is unknown"
    assert not paths.database_address(cfg.name).exists()


def test_inside_its_transient_unit_it_learns_here(cfg, monkeypatch):
    monkeypatch.setattr(dbaddress.transient.os, "geteuid", lambda: 0)
    monkeypatch.setenv(dbaddress.transient.ISOLATED, "1")
    monkeypatch.setattr(
        dbaddress.transient, "run", lambda *a: pytest.fail("a transient unit inside one")
    )
    answer = Result(0, {"vendor": "postgresql", "host": "db1", "port": 5432, "extra": "x"})
    monkeypatch.setattr(dbaddress.project_python, "run", lambda *a, **k: answer)
    paths.database_address(cfg.name).parent.mkdir(parents=True)  # the package's /var/lib/djops
    assert dbaddress.learn_isolated(cfg) == "the database of p: postgresql at db1:5432"
    assert dbaddress.load(cfg.name) == {"vendor": "postgresql", "host": "db1", "port": 5432}
