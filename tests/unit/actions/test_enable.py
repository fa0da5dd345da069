import subprocess

import pytest

from djops import config
from djops.actions import enable
from djops.adapters import dropins, systemctl


@pytest.fixture
def calls(monkeypatch):
    seen: list[tuple[str, ...]] = []

    def fake(*args, check=True):
        seen.append(args)
        return subprocess.CompletedProcess(["systemctl", *args], 0, "", "")

    monkeypatch.setattr(systemctl, "run", fake)
    return seen


def test_enable_writes_dropins_once_and_enables_target_and_timer(project, calls, sent):
    cfg = config.load(project)
    enable.enable(cfg)
    assert ("daemon-reload",) in calls
    assert (
        "enable",
        "--now",
        "djops@p.target",
        "djops-clearsessions@p.timer",
        "djops-watch@p.service",
    ) in calls
    calls.clear()
    enable.enable(cfg)
    assert ("daemon-reload",) not in calls, "nothing changed, so no reload"
    text = dropins.path_of("djops-clearsessions@p.timer").read_text()
    assert "OnCalendar=\nOnCalendar=daily" in text
    assert sent[-1][1]["DJOPS_EVENT"] == "project.enabled"


def test_disable_undoes_enable(project, calls, sent):
    enable.enable(config.load(project))
    enable.disable(project)
    assert not dropins.path_of("djops-clearsessions@p.service").exists()
    assert any(c[:2] == ("disable", "--now") for c in calls)
    enable.disable(project)  # idempotent
    assert sent[-1][1]["DJOPS_EVENT"] == "project.disabled"
