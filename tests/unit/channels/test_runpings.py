"""The pings of one run: the run that ends an alerted streak pings success
with its own run id, which is what closes the alert on the healthchecks side
(djops' own recovery mail and notify: tests/unit/mail/test_alerting.py)."""

import pytest

from djops import config
from djops.channels import pings, runpings

HC = "https://hc.example/ping/abc"


@pytest.fixture
def cfg(project, confdir):
    with open(confdir / f"{project}.toml", "a") as f:
        f.write(f'[jobs.index]\ncommand = ["index"]\nschedule = "hourly"\nping_url = "{HC}"\n')
    return config.load(project, live=False)


def test_the_recovering_run_pings_success_with_its_own_run_id(cfg, monkeypatch):
    queued = []
    monkeypatch.setattr(runpings.config, "load", lambda p, live: cfg)
    monkeypatch.setattr(runpings.sd_notify, "skipped", lambda unit: False)
    monkeypatch.setattr(runpings.pings.wake, "request", lambda kind, service: None)
    monkeypatch.setattr(runpings.run_output, "invocation_lines", lambda i, n: ["done"])
    monkeypatch.setattr(pings, "keep", lambda p, url, body="", base="": queued.append((url, body)))
    invocation = "0123456789abcdef0123456789abcdef"
    monkeypatch.setenv("INVOCATION_ID", invocation)
    monkeypatch.setenv("SERVICE_RESULT", "success")
    runpings.ping("stop", f"djops-job@{cfg.name}:index.service")
    assert queued == [(f"{HC}?rid=01234567-89ab-cdef-0123-456789abcdef", "done")]
    monkeypatch.setenv("SERVICE_RESULT", "exit-code")
    monkeypatch.setenv("EXIT_STATUS", "3")
    runpings.ping("stop", f"djops-job@{cfg.name}:index.service")
    assert queued[-1][0] == f"{HC}/3?rid=01234567-89ab-cdef-0123-456789abcdef"
