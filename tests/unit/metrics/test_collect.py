"""What djops_P.prom holds, from a health round and the journal (faked)."""

from datetime import UTC, datetime

import pytest

from djops import config
from djops.metrics import collect, textfile

STAMP = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


@pytest.fixture
def cfg(project, confdir, monkeypatch):
    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + '[jobs.mail]\ncommand = ["send_queued_mail"]\n')
    journal = {
        ("clearsessions.done", None): {"DJOPS_ROWS": "1234", "DJOPS_DURATION": "2.5"},
        ("job.failed", "mail"): {"DJOPS_EXIT": "4", "DJOPS_DURATION": "0.7"},
        ("reload.applied", None): {},
    }

    def last_event(p, events, since_usec=0, job=None):
        for ev in events:
            if (ev, job) in journal:
                return {**journal[(ev, job)], "DJOPS_EVENT": ev, "__REALTIME_TIMESTAMP": STAMP}
        return None

    monkeypatch.setattr(collect.journal, "last_event", last_event)
    monkeypatch.setattr(collect.journal, "count_since", lambda *a: 0)
    monkeypatch.setattr(collect.lastruns.systemctl, "show", lambda unit, *props: {})
    collect._seen.clear()
    return config.load(project, live=False)


def test_checks_jobs_and_reloads_become_metrics(cfg):
    checks = {
        "http": {"ok": False, "ladder": {"failures": 3}},
        "disk": {"ok": True, "ladder": {"failures": 0}},
    }
    text = textfile.render(collect.families(cfg, checks, 1763870400.0))
    p = cfg.name
    at = STAMP.timestamp()
    for line in (
        f'djops_health_check_up{{check="http",project="{p}"}} 0',
        f'djops_health_check_consecutive_failures{{check="http",project="{p}"}} 3',
        f'djops_health_check_up{{check="disk",project="{p}"}} 1',
        f'djops_job_last_success_timestamp_seconds{{job="clearsessions",project="{p}"}} {at:.17g}',
        f'djops_job_last_rows_removed{{job="clearsessions",project="{p}"}} 1234',
        f'djops_job_last_exit_code{{job="clearsessions",project="{p}"}} 0',
        f'djops_job_last_duration_seconds{{job="mail",project="{p}"}} 0.69999999999999996',
        f'djops_job_last_exit_code{{job="mail",project="{p}"}} 4',
        f'djops_reload_last_applied_timestamp_seconds{{project="{p}"}} {at:.17g}',
    ):
        assert line in text, line
    assert 'job="mail",project' in text and 'success_timestamp_seconds{job="mail"' not in text
    assert "rejected" not in text, "no sample without a value behind it"
    for name in [ln.split("{")[0] for ln in text.splitlines() if not ln.startswith("#")]:
        assert name.startswith("djops_")


def test_what_the_job_policy_look_found_becomes_metrics(cfg):
    """Only jobs the round looked at get djops_job_slow / djops_job_missed:
    no sample without a value behind it."""
    look = {"mail": {"slow": 1.0, "missed": 0.0}}
    text = textfile.render(collect.families(cfg, {}, 1763870400.0, look))
    p = cfg.name
    assert f'djops_job_slow{{job="mail",project="{p}"}} 1' in text
    assert f'djops_job_missed{{job="mail",project="{p}"}} 0' in text
    assert 'djops_job_slow{job="clearsessions"' not in text


def test_a_flood_of_look_alikes_from_nobody_leaves_the_failed_jobs_exit_code(
    project, confdir, monkeypatch
):
    """The review's flood hid the failed run, so djops_job_last_exit_code
    vanished and DjopsJobFailed resolved itself."""
    from fakejournal import Journal, entry

    path = confdir / f"{project}.toml"
    path.write_text(path.read_text() + '[jobs.mail]\ncommand = ["send_queued_mail"]\n')
    cfg = config.load(project, live=False)
    p, t = cfg.name, STAMP.timestamp()
    unit = f"djops-job@{p}:mail.service"
    real = entry(t, DJOPS_PROJECT=p, DJOPS_EVENT="job.failed", DJOPS_JOB="mail", DJOPS_EXIT="4",
                 DJOPS_DURATION="0.7", _UID="0", _SYSTEMD_UNIT=unit)  # fmt: skip
    look_alike = {"DJOPS_PROJECT": p, "DJOPS_JOB": "mail", "DJOPS_EXIT": "0", "_UID": "65534",
                  "_SYSTEMD_UNIT": "session-2.scope"}  # fmt: skip
    forged = [
        entry(t + 1 + i / 1e4, DJOPS_EVENT=ev, **look_alike)
        for i in range(5000)
        for ev in ("job.done", "job.failed")
    ]
    Journal([real, *forged]).install(monkeypatch)
    monkeypatch.setattr(collect.lastruns.systemctl, "show", lambda unit, *props: {})
    collect._seen.clear()
    text = textfile.render(collect.families(cfg, {}, t + 100))
    assert f'djops_job_last_exit_code{{job="mail",project="{p}"}} 4' in text
