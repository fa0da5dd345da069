"""The job policy on a real Debian: alert_after holds the failure mail
until the third failure in a row, then one recovery mail; a run past
max_runtime_seconds logs job.slow once; a stopped timer logs job.missed
within its grace and one health round; min_runtime_seconds logs
job.too_fast; catch_up and timezone reach the timer."""

import pytest
from helpers import events, now, wait_for, wait_mail
from provision import mails

OK_FILE = "/var/opt/demo/flaky-ok"
CONFIG = f"""[health]
interval_seconds = 1
[jobs.flaky]
exec = ["/bin/sh", "-c", "test -e {OK_FILE} && echo fine && exit 0; echo flaky-fails; exit 3"]
schedule = "weekly"
alert_after = 3
[jobs.slow]
exec = ["/bin/sh", "-c", "sleep 6; echo slept"]
schedule = "weekly"
max_runtime_seconds = 2
catch_up = "none"
timezone = "America/Sao_Paulo"
[jobs.tick]
exec = ["/bin/true"]
schedule = "*:*:0/10"
start_grace_seconds = 2
min_runtime_seconds = 5
"""
FLAKY = "djops-job@demo:flaky.service"


@pytest.fixture(scope="module", autouse=True)
def with_policy(machine):
    machine.sh(f"rm -f {OK_FILE}")
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.sh("djops enable demo")
    yield
    machine.sh(f"rm -f {OK_FILE}; systemctl reset-failed 'djops-job@demo:*' || true")
    machine.put("/etc/djops/demo.toml", "")
    machine.sh("djops enable demo")


def failure_mails(machine, after: int) -> list:
    return [m for m in mails(machine)[after:] if f"{FLAKY} failed" in str(m["Subject"])]


def test_three_failures_in_a_row_give_one_mail_then_one_recovery_mail(machine):
    before, since = len(mails(machine)), now(machine)
    for n in (1, 2):
        assert machine.sh("djops run demo flaky", check=False).returncode == 1
        found = wait_for(
            lambda n=n: len(events(machine, "demo", "job.failing", since)) == n or None
        )
        assert found
    [first, second] = events(machine, "demo", "job.failing", since)
    assert "failure 1 in a row" in first["MESSAGE"] and "failure 2 in a row" in second["MESSAGE"]
    assert second["PRIORITY"] == "4" and second["_UID"] == "0"
    assert not failure_mails(machine, before), "held below alert_after"
    assert machine.sh("djops run demo flaky", check=False).returncode == 1
    [mail] = wait_mail(machine, f"{FLAKY} failed", after=before)
    assert "flaky-fails" in mail.get_content()
    machine.sh(f"touch {OK_FILE}")
    machine.sh("djops run demo flaky")
    [rec] = wait_mail(machine, "job flaky recovered", after=before)
    assert "after 3 failed runs in a row" in rec.get_content()
    [ev] = events(machine, "demo", "job.recovered", since)
    assert ev["DJOPS_JOB"] == "flaky" and ev["_UID"] == "0"
    assert len(failure_mails(machine, before)) == 1
    machine.sh("djops run demo flaky")
    assert len(events(machine, "demo", "job.recovered", since)) == 1, "only after an alert"


def test_a_run_past_max_runtime_logs_job_slow_once(machine):
    since = now(machine)
    machine.sh("systemctl start --no-block 'djops-job@demo:slow.service'")
    [slow] = wait_for(lambda: events(machine, "demo", "job.slow", since), timeout=20)
    assert slow["DJOPS_JOB"] == "slow" and slow["PRIORITY"] == "4"
    wait_for(lambda: events(machine, "demo", "job.done", since), timeout=20)
    assert len(events(machine, "demo", "job.slow", since)) == 1


def test_catch_up_and_timezone_reach_the_timer(machine):
    timer = "djops-job@demo:slow.timer"
    assert machine.sh(f"systemctl show -P Persistent {timer}").stdout.strip() == "no"
    cal = machine.sh(f"systemctl show -P TimersCalendar {timer}").stdout
    assert "America/Sao_Paulo" in cal, cal
    assert (
        machine.sh("systemctl show -P Persistent 'djops-job@demo:tick.timer'").stdout.strip()
        == "yes"
    )


def test_a_short_run_is_too_fast_and_a_stopped_timer_is_missed(machine):
    since = now(machine)
    [fast] = wait_for(lambda: events(machine, "demo", "job.too_fast", since), timeout=30)
    assert fast["DJOPS_JOB"] == "tick" and fast["_UID"] == "0"
    assert not events(machine, "demo", "job.missed", since), "a running timer misses nothing"
    machine.sh("systemctl stop 'djops-job@demo:tick.timer'")
    try:
        [missed] = wait_for(lambda: events(machine, "demo", "job.missed", since), timeout=25)
        assert missed["DJOPS_JOB"] == "tick" and missed["PRIORITY"] == "3"
        status = wait_for(
            lambda: ("jobs failing" in (s := machine.sh("djops status demo").stdout) and s) or None,
            timeout=10,
        )
        assert "tick: the occurrence due at" in status, status
    finally:
        machine.sh("systemctl start 'djops-job@demo:tick.timer'")
    assert len(events(machine, "demo", "job.missed", since)) == 1
