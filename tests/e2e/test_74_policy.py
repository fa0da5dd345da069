"""The job policy on a real Debian: alert_after holds the failure mail
until the third failure in a row, then one recovery mail; a run past
max_runtime_seconds logs job.slow once; a stopped timer logs job.missed
within its grace and one health round; min_runtime_seconds logs
job.too_fast; catch_up and timezone reach the timer."""

import json

import pytest
from helpers import events, now, wait_for, wait_mail
from provision import mails

OK_FILE = "/var/opt/demo/flaky-ok"
# 1,000 results in the bench job's own unit and from root (so trusted: a job's
# result is root's post step's), each after an output line; run as root in the
# unit by an ExecStartPre=+ of a drop-in of the test's own
BENCH = "/usr/local/bin/djops-bench-history"
BENCH_DROPIN = "/etc/systemd/system/djops-job@demo:bench.service.d/bench.conf"
BENCH_SCRIPT = """#!/usr/bin/python3
from systemd import journal as j
f = dict(DJOPS_PROJECT="demo", DJOPS_JOB="bench", SYSLOG_IDENTIFIER="djops")
for i in range(1000):
    j.send("out %d" % i, **f)
    j.send("job bench of demo done", DJOPS_EVENT="job.done", DJOPS_DURATION="0.1", DJOPS_EXIT="0", **f)
"""
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
[jobs.bench]
exec = ["/bin/true"]
schedule = "weekly"
[jobs.tick]
exec = ["/bin/true"]
schedule = "*:*:0/10"
start_grace_seconds = 4
min_runtime_seconds = 5
"""
FLAKY = "djops-job@demo:flaky.service"


@pytest.fixture(scope="module", autouse=True)
def with_policy(machine):
    machine.sh(f"rm -f {OK_FILE}")
    machine.put(BENCH, BENCH_SCRIPT, mode=0o755)
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.sh("djops enable demo")
    machine.put(BENCH_DROPIN, f"[Service]\nExecStartPre=+{BENCH}\n")
    machine.sh("systemctl daemon-reload")
    yield
    machine.sh(
        f"rm -f {OK_FILE} {BENCH} {BENCH_DROPIN} /tmp/h.json; systemctl daemon-reload; "
        "systemctl reset-failed 'djops-job@demo:*' || true"
    )
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
    fast = wait_for(
        lambda: events(machine, "demo", "job.too_fast", since), timeout=30, what="job.too_fast"
    )[0]
    assert fast["DJOPS_JOB"] == "tick" and fast["_UID"] == "0"
    assert not events(machine, "demo", "job.missed", since), "a running timer misses nothing"
    machine.sh("systemctl stop 'djops-job@demo:tick.timer'")
    try:
        _missed_and_shown(machine, since)
    finally:
        machine.sh("systemctl start 'djops-job@demo:tick.timer'")
    assert len(events(machine, "demo", "job.missed", since)) == 1


def _missed_and_shown(machine, since: str) -> None:
    try:
        wait_for(lambda: events(machine, "demo", "job.missed", since), timeout=25)
    except AssertionError:  # say why, from the machine
        diag = machine.sh(
            "date +%s; systemctl show --timestamp=unix -P LastTriggerUSec 'djops-job@demo:tick.timer';"
            " systemctl show 'djops-job@demo:tick.timer' | grep -i trigger;"
            " systemctl show -P StatusText djops-health; djops status demo;"
            " journalctl -u djops-health -n 20 --no-pager",
            check=False,
        )
        raise AssertionError("no job.missed:\n" + diag.stdout + diag.stderr) from None
    [missed] = wait_for(
        lambda: events(machine, "demo", "job.missed", since), timeout=25, what="job.missed"
    )
    assert missed["DJOPS_JOB"] == "tick" and missed["PRIORITY"] == "3"
    line = wait_for(
        lambda: [
            ln
            for ln in machine.sh("djops status demo").stdout.splitlines()
            if ln.split()[:2] == ["jobs", "FAILING"] and "tick: the occurrence due at" in ln
        ],
        timeout=10,
        what="the jobs check failing on the missed tick",
    )
    status = line[0]
    assert "tick: the occurrence due at" in status, status


def test_a_paused_job_neither_runs_nor_alerts_and_runs_again_after_resume(machine):
    timer = "djops-job@demo:tick.timer"
    out = machine.sh("djops pause demo tick").stdout
    assert "paused (until djops resume)" in out
    since = now(machine)
    wait_for(lambda: events(machine, "demo", "job.paused", since), timeout=25)
    since = now(machine)  # a run already going when pause came may end after it
    machine.sh("djops enable demo")  # a pause survives enable
    assert machine.sh(f"systemctl is-active {timer}").stdout.strip() == "active"
    wait_for(lambda: events(machine, "demo", "job.paused", since), timeout=25)
    assert not events(machine, "demo", "job.done", since), "paused: no run"
    assert not events(machine, "demo", "job.missed", since), "paused: no missed alert"
    assert "job tick       paused (until djops resume)" in machine.sh("djops status demo").stdout
    r = machine.sh("djops run demo tick", check=False)
    assert r.returncode == 2 and "djops resume demo tick" in r.stderr
    assert machine.sh("djops pause demo nosuch", check=False).returncode == 2
    r = machine.sh("djops pause demo tick --until garbage", check=False)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--until" in r.stderr
    machine.sh("djops resume demo tick")
    resumed = now(machine)
    wait_for(lambda: events(machine, "demo", "job.done", resumed), timeout=25)
    assert events(machine, "demo", "job.resumed", since)


def test_a_paused_clearsessions_shows_paused_in_status(machine):
    machine.sh("djops pause demo clearsessions")
    try:
        status = machine.sh("djops status demo").stdout
        assert "  clearsessions  paused (until djops resume); last " in status, status
    finally:
        machine.sh("djops resume demo clearsessions")
    status = machine.sh("djops status demo").stdout
    assert "  clearsessions  next " in status, status


def test_pause_until_ends_by_itself(machine):
    machine.sh("djops pause demo tick --until +12s")
    since = now(machine)
    wait_for(lambda: events(machine, "demo", "job.resumed", since), timeout=40)
    wait_for(lambda: events(machine, "demo", "job.done", since), timeout=25)
    assert "paused" not in machine.sh("djops status demo | grep 'job tick'").stdout


def test_history_shows_the_runs_and_reads_1000_runs_fast(machine):
    out = machine.sh("djops history demo flaky").stdout
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["start", "job", "host"]
    results = ("done", "failed", "interrupted", "skipped")  # a duration is "0.65 s": two words
    assert [next(w for w in ln.split() if w in results) for ln in lines[1:6]] == (
        ["failed"] * 3 + ["done"] * 2
    ), out
    assert "flaky-fails" in lines[1] and "fine" in lines[-1], out
    runs = json.loads(machine.sh("djops history demo -n 3 --json").stdout)
    assert len(runs) == 3 and {"start", "host", "duration", "result", "exit", "last_line"} <= set(
        runs[0]
    )
    assert machine.sh("djops history demo nosuch", check=False).returncode == 2
    machine.sh("djops run demo bench")
    took = machine.sh(
        'python3 -c "import subprocess, time; s = time.monotonic(); '
        "subprocess.run(['djops', 'history', 'demo', 'bench', '-n', '1000', '--json'], "
        "stdout=open('/tmp/h.json', 'w'), check=True); print(time.monotonic() - s)\""
    ).stdout.strip()
    got = json.loads(machine.sh("cat /tmp/h.json").stdout)
    assert len(got) == 1000, len(got)
    print(f"djops history of 1000 runs: {took} s")
    assert float(took) < 2.0, took  # the figure is in bench/RESULTS.md
