"""[jobs.NAME] as timers: a server prepared the old way (crontab lines of
manage.py commands, one every 5 minutes, a cron.daily script, a MAILTO)
migrates with `djops migrate-cron --apply`; the jobs run as the project user
in a sandbox, their output in the journal, a failed run mailed through dma
with its output; `djops run`, `djops status` and the `jobs` check."""

import json

import pytest
from helpers import events, health_of, now, queue_run, sql, wait_for, wait_mail
from provision import mails

CONFIG = """# the admin's own notes, kept by migrate-cron
[health]
interval_seconds = 1
[clearsessions]
schedule = "*-*-* 03:30"
[jobs.clear]
command = ["clearsessions"]
schedule = "*:*:0/15"
[jobs.broken]
exec = ["/bin/sh", "-c", "echo failing-output-marker; echo \\"$DJANGO_SETTINGS_MODULE\\"; exit 4"]
schedule = "weekly"
[jobs.report]
exec = ["/bin/sh", "-c", "echo report-line-1; id -un"]
schedule = "weekly"
mail_output = "always"
mail_to = ["ops@example.org"]
[jobs.slow]
exec = ["/bin/sh", "-c", "echo slow-first; sleep 5; echo slow-second"]
schedule = "weekly"
"""


PY = "/opt/demo/venv/bin/python"
DB = "/var/opt/demo/demo.db"
CRON_D = f"""PYTHONPATH=/etc/opt/demo:/opt/demo
DJANGO_SETTINGS_MODULE=settings
MAILTO=ops@example.org
*/5 * * * * demo cd /opt/demo && {PY} manage.py showmigrations sessions >/dev/null
30 2 * * * demo {PY} /opt/demo/manage.py check --deploy
15 3 * * sun demo {PY} /opt/demo/manage.py nosuchcommand
0 4 1 * 1 demo {PY} /opt/demo/manage.py check
"""
DAILY = f"#!/bin/sh\nset -e\n{PY} /opt/demo/manage.py diffsettings\n"


@pytest.fixture(scope="module", autouse=True)
def with_jobs(machine):
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.put("/etc/cron.d/demo-jobs", CRON_D)
    machine.put("/etc/cron.daily/demo-settings", DAILY, mode=0o755)
    machine.put("/etc/cron.daily/demo.backup", DAILY, mode=0o755)
    out = machine.sh("djops enable demo").stdout
    assert "job clear: clearsessions on '*:*:0/15' as demo" in out
    yield
    machine.put("/etc/djops/demo.toml", "")
    machine.sh("djops enable demo; rm -f /etc/cron.d/demo-jobs /etc/cron.daily/demo.backup")


def test_migrate_cron_shows_then_moves_every_manage_py_line(machine):
    plan = machine.sh("djops migrate-cron demo").stdout
    assert (
        '[jobs.showmigrations] command = ["showmigrations", "sessions"], '
        'schedule = "*-*-* *:00/5:00", mail_to = ["ops@example.org"]'
    ) in plan
    assert '[jobs.diffsettings] command = ["diffsettings"], schedule = "*-*-* 06:25:00"' in plan
    assert "OR the weekday" in plan and "run-parts skips a name with a dot" in plan
    assert "nothing was changed" in plan
    out = machine.sh("djops migrate-cron demo --apply").stdout
    assert "migrated demo to djops" in out
    toml = machine.sh("cat /etc/djops/demo.toml").stdout
    assert toml.startswith(CONFIG) and "[jobs.nosuchcommand]" in toml
    crond = machine.sh("cat /etc/cron.d/demo-jobs").stdout
    assert crond.count("# djops migrate-cron") == 3 and "\n0 4 1 * 1 demo" in crond
    machine.sh("test ! -e /etc/cron.daily/demo-settings && test -e /etc/cron.daily/demo.backup")
    for job in ("showmigrations", "check", "nosuchcommand", "diffsettings", "clear"):
        state = machine.sh(f"systemctl is-active 'djops-job@demo:{job}.timer'").stdout.strip()
        assert state == "active", job
    again = machine.sh("djops migrate-cron demo").stdout
    assert "[jobs." not in again and "nothing of the old way left for demo" in again


def test_a_migrated_job_runs_with_the_projects_environment_and_masks_secrets(machine):
    secret = machine.sh(
        "sed -n 's/^SECRET_KEY = \"\\(.*\\)\"/\\1/p' /etc/opt/demo/settings.py"
    ).stdout.strip()
    assert len(secret) > 20
    out = machine.sh("djops run demo diffsettings").stdout
    assert "SECRET_KEY" in out and "DEMO_MARKER" in out
    assert secret not in out
    journal = machine.sh("journalctl -o export DJOPS_JOB=diffsettings").stdout
    assert "SECRET_KEY" in journal and secret not in journal


def test_the_timer_runs_the_job_as_the_project_user(machine):
    timer = "djops-job@demo:clear.timer"
    assert machine.sh(f"systemctl is-active {timer}").stdout.strip() == "active"
    assert machine.sh(f"systemctl show -P Persistent {timer}").stdout.strip() == "yes"
    delay = machine.sh(f"systemctl show -P RandomizedDelayUSec {timer}").stdout.strip()
    assert delay in ("1s", "1.500000s", "1.5s"), delay  # a tenth of 15 s
    wants = machine.sh("ls /etc/systemd/system/djops@demo.target.wants/").stdout
    assert "djops-job@demo:clear.timer" in wants
    since = now(machine)
    [done] = wait_for(lambda: events(machine, "demo", "job.done", since, job="clear"), timeout=40)
    assert done["DJOPS_JOB"] == "clear" and done["DJOPS_EXIT"] == "0"
    # the result is root's post step's, from systemd's record of the run
    assert done["_SYSTEMD_UNIT"] == "djops-job@demo:clear.service" and done["_UID"] == "0"
    # once = true (the default): the timer's run claimed its occurrence in the
    # project's database; on one host it is always this host's
    unit = "djops-job@demo:clear.service"
    wait_for(lambda: machine.sh(f"systemctl show -P ActiveState {unit}").stdout.strip() != "active")
    status = machine.sh(f"systemctl show -P StatusText {unit}").stdout.strip()
    assert status.startswith("claimed this occurrence; running clear on "), status
    host = machine.sh("hostname").stdout.strip()
    claim = sql(
        machine, DB, "SELECT host, exit_status FROM djops_claim WHERE job = 'demo:clear'", "demo"
    )
    assert claim == f"{host}|0"
    assert not events(machine, "demo", "job.skipped", since, job="clear")


def test_djops_run_prints_the_output_and_a_failure_is_mailed_with_it(machine):
    before = len(mails(machine))
    since = now(machine)
    r = machine.sh("djops run demo broken", check=False)
    assert r.returncode == 1
    assert "failing-output-marker" in r.stdout and "exit status 4" in r.stderr
    assert r.stderr.count("\n") <= 2 and "Traceback" not in r.stderr
    [failed] = events(machine, "demo", "job.failed", since, job="broken")
    assert failed["DJOPS_EXIT"] == "4" and failed["PRIORITY"] == "3"
    lines = machine.journal(f"--since=@{since}", "DJOPS_PROJECT=demo", "DJOPS_JOB=broken")
    assert [e["MESSAGE"] for e in lines if "DJOPS_EVENT" not in e] == [
        "failing-output-marker",
        "settings",
    ]
    # no queue_run: djops-mailqueue.path delivers it
    [mail] = wait_mail(machine, "djops-job@demo:broken.service failed", after=before)
    assert "failing-output-marker" in mail.get_content()
    machine.sh("systemctl reset-failed 'djops-job@demo:broken.service'")


LIAR = "/usr/local/lib/djops-liar.py"
LIAR_PY = """from systemd import journal
journal.send("job liar of demo done in 0.1s", DJOPS_PROJECT="demo", DJOPS_EVENT="job.done",
             DJOPS_JOB="liar", DJOPS_EXIT="0", DJOPS_DURATION="0.1", SYSLOG_IDENTIFIER="djops")
"""
# the job's own command leaves a child that ignores SIGTERM (systemd's stop
# of what is left once the command exited) and logs a success 2 s after the
# command failed: from inside the job's unit, as the project user, in the
# run's invocation; KillMode=control-group ends it before root's post step
LIAR_JOB = f"""[jobs.liar]
exec = ["/bin/sh", "-c", "(trap \\"\\" TERM; /bin/sleep 2; exec /usr/bin/python3 {LIAR}) >/dev/null 2>&1 & echo liar-fails; exit 3"]
schedule = "weekly"
"""


def test_a_success_the_project_user_logs_after_a_failure_changes_nothing(machine):
    """The job's own code runs as the project user in the job's unit, and
    can leave a process behind that logs a job.done with every field djops
    writes after the command's real failure: status and history still take
    systemd's record of the run (root's post step's job.failed)."""
    m = machine
    m.put(LIAR, LIAR_PY)
    kept = m.sh("cat /etc/djops/demo.toml").stdout  # with the jobs migrate-cron added
    m.put("/etc/djops/demo.toml", kept + LIAR_JOB)
    m.sh("djops enable demo")
    unit = "djops-job@demo:liar.service"
    try:
        since = now(m)
        r = m.sh("djops run demo liar", check=False)
        assert r.returncode == 1 and "exit status 3" in r.stderr, r
        [forged] = events(m, "demo", "job.done", since, job="liar")  # the control
        [failed] = events(m, "demo", "job.failed", since, job="liar")
        assert failed["_UID"] == "0" and failed["DJOPS_EXIT"] == "3"
        assert forged["_UID"] == m.sh("id -u demo").stdout.strip()
        assert forged["_SYSTEMD_UNIT"] == failed["_SYSTEMD_UNIT"] == unit, forged
        assert forged["_SYSTEMD_INVOCATION_ID"] == failed["_SYSTEMD_INVOCATION_ID"], "that run"
        [output] = [
            e
            for e in m.journal(f"--since=@{since}", "DJOPS_PROJECT=demo", "DJOPS_JOB=liar")
            if e.get("MESSAGE") == "liar-fails"
        ]
        at = float(forged["__REALTIME_TIMESTAMP"])
        assert float(output["__REALTIME_TIMESTAMP"]) + 1e6 < at, "logged after the command failed"
        status = m.sh("djops status demo").stdout
        [line] = [ln for ln in status.splitlines() if ln.startswith("  job liar ")]
        assert "failed" in line and "done" not in line, line
        [run] = json.loads(m.sh("djops history demo liar --json").stdout)
        assert (run["result"], run["exit"]) == ("failed", 3), run
    finally:
        m.sh(f"rm -f {LIAR}; systemctl reset-failed '{unit}' || true")
        m.put("/etc/djops/demo.toml", kept)
        m.sh("djops enable demo")


def test_djops_run_at_a_terminal_prints_each_line_as_it_comes(machine):
    # script(1) gives djops a terminal; a copy of what it showed is taken
    # once the first line is there, while the job sleeps 5 s before its second
    out = machine.sh(
        "rm -f /tmp/slow.tty; script -qfec 'djops run demo slow' /tmp/slow.tty >/dev/null & "
        "pid=$!; for i in $(seq 150); do grep -q slow-first /tmp/slow.tty 2>/dev/null && break; "
        "sleep 0.2; done; cp /tmp/slow.tty /tmp/slow.early; wait $pid; echo rc=$?",
        timeout=90,
    ).stdout
    assert "rc=0" in out
    early = machine.sh("cat /tmp/slow.early").stdout
    assert "slow-first" in early and "slow-second" not in early, early
    done = machine.sh("cat /tmp/slow.tty").stdout
    assert done.count("slow-first") == 1 and "slow-second" in done, done
    assert done.index("slow-second") < done.index("job slow of demo done in "), done
    assert "systemd[1]" not in done, "only the job's own lines, as they come"


def test_a_migrated_failing_command_is_mailed_to_its_mailto(machine):
    before = len(mails(machine))
    r = machine.sh("djops run demo nosuchcommand", check=False)
    assert r.returncode == 1 and "Unknown command: 'nosuchcommand'" in r.stdout
    queue_run(machine)
    [mail] = wait_mail(machine, "djops-job@demo:nosuchcommand.service failed", after=before)
    assert mail["To"] == "ops@example.org"
    assert "Unknown command" in mail.get_content()
    machine.sh("systemctl reset-failed 'djops-job@demo:nosuchcommand.service'")


def test_mail_output_always_mails_a_good_run_to_the_jobs_mail_to(machine):
    before = len(mails(machine))
    out = machine.sh("djops run demo report").stdout
    assert "report-line-1" in out and "demo" in out and "job report of demo done" in out
    queue_run(machine)
    [mail] = wait_mail(machine, "job report output", after=before)
    assert "report-line-1" in mail.get_content()
    assert mail["To"] == "ops@example.org"


def test_status_and_the_jobs_check_show_each_job(machine):
    status = machine.sh("djops status demo").stdout
    for name in ("clear", "broken", "report"):
        assert f"  job {name}" in status, status
    assert "done here (" in status and "): job clear of demo done" in status, status
    wait_for(
        lambda: "jobs ok" in health_of(machine, "demo"),
        what="the jobs check",
    )


def test_a_job_taken_out_of_the_config_is_stopped_and_its_units_go(machine):
    machine.put("/etc/djops/demo.toml", CONFIG.split("[jobs.broken]")[0])
    machine.sh("djops enable demo")
    left = machine.sh("find /etc/systemd/system -name '*djops-job@demo:broken*'").stdout
    assert left == ""
    listed = machine.sh("systemctl list-timers --all --no-legend 'djops-job@*'").stdout
    assert "demo:clear" in listed and "broken" not in listed and "showmigrations" not in listed
    machine.sh("djops disable demo")
    assert machine.sh("find /etc/systemd/system -name '*djops-job@*'").stdout == ""
    assert "djops-job" not in machine.sh("systemctl list-timers --all --no-legend").stdout
