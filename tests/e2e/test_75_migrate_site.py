"""migrate-cron on a site nobody here built: a cron.d file with @weekly, a
variable that differs from djops' environment, a backup program and a log
file redirect, and a cron.daily script of the reference chapters' shape.
The dry run lists every line of the file with what happens to it; after
--apply the @weekly job's timer next elapses on a Sunday, as cron's did,
and the carried variables reach the job's process."""

import pytest

PY = "/opt/demo/venv/bin/python"
CRON_D = "/etc/cron.d/demo-site"
SITE = f"""# the demo site, as the previous admin left it
MAILTO=ops@example.org
PYTHONPATH=/srv/demo-lib:/etc/opt/demo:/opt/demo
SITE_MARKER=from-cron
@weekly demo {PY} /opt/demo/manage.py check
30 1 * * * demo /usr/local/bin/backup-demo --full
*/15 * * * * demo {PY} /opt/demo/manage.py showmigrations sessions >> /var/log/demo/sm.log 2>&1
0 5 * * * demo {PY} /opt/demo/manage.py shell -c "import os; print(os.environ['SITE_MARKER'])"
CRON_TZ=America/New_York
45 23 * * 1-5 demo {PY} /opt/demo/manage.py dumpdata sessions
"""
DAILY = "/etc/cron.daily/demo-settings"
SCRIPT = (
    "#!/bin/sh\nexport PYTHONPATH=/etc/opt/demo:/opt/demo; export DJANGO_SETTINGS_MODULE=settings; "
    f"exec {PY} /opt/demo/manage.py diffsettings\n"
)


@pytest.fixture(scope="module", autouse=True)
def site(machine):
    machine.put("/etc/djops/demo.toml", "[health]\ninterval_seconds = 1\n")
    machine.put(CRON_D, SITE)
    machine.put(DAILY, SCRIPT, mode=0o755)
    machine.sh("djops enable demo")
    yield
    machine.put("/etc/djops/demo.toml", "")
    machine.sh(f"djops enable demo; rm -f {CRON_D} {DAILY}")


def test_the_dry_run_lists_every_line_and_what_becomes_of_it(machine):
    plan = machine.sh("djops migrate-cron demo").stdout
    print(plan)
    for n in range(2, 9):
        assert f"{CRON_D}:{n}  " in plan, (n, plan)
    env = '{PYTHONPATH = "/srv/demo-lib:/etc/opt/demo:/opt/demo", SITE_MARKER = "from-cron"}'
    assert (
        f'[jobs.check] command = ["check"], schedule = "Sun *-*-* 00:00:00", '
        f'mail_to = ["ops@example.org"], environment = {env}'
    ) in plan
    assert "(its output went to /var/log/demo/sm.log; now to the journal: " in plan
    assert (
        '        [jobs.backup-demo]\n        exec = ["/usr/local/bin/backup-demo", "--full"]'
        in plan
    )
    assert f"{CRON_D}:3  PYTHONPATH=/srv/demo-lib:/etc/opt/demo:/opt/demo\n" in plan
    assert "carried into [jobs.check] environment" in plan
    assert '[jobs.diffsettings] command = ["diffsettings"], schedule = "*-*-* 06:25:00"' in plan
    assert "cron ran it as root; the job runs as demo" in plan
    assert (
        '[jobs.dumpdata] command = ["dumpdata", "sessions"], schedule = "Mon,Tue,Wed,Thu,Fri *-*-* 23:45:00", '
        'timezone = "America/New_York"'
    ) in plan, plan
    assert (
        f"{CRON_D}:9  CRON_TZ=America/New_York\n      (the time zone of the schedules below: "
        "became [jobs.dumpdata] timezone)"
    ) in plan, plan
    assert "nothing was changed" in plan


def test_apply_then_the_weekly_job_runs_on_sunday_with_the_carried_variables(machine):
    out = machine.sh("djops migrate-cron demo --apply").stdout
    print(out)
    assert "migrated demo to djops" in out
    crond = machine.sh(f"cat {CRON_D}").stdout
    assert crond.count("# djops migrate-cron") == 4
    assert "\n30 1 * * * demo /usr/local/bin/backup-demo --full\n" in crond, "left in force"
    machine.sh(f"test ! -e {DAILY}")
    timer = "djops-job@demo:check.timer"
    assert machine.sh(f"systemctl is-active {timer}").stdout.strip() == "active"
    calendar = machine.sh(f"systemctl show -P TimersCalendar {timer}").stdout
    assert "Sun *-*-* 00:00:00" in calendar, calendar
    nxt = machine.sh(f"systemctl show -P NextElapseUSecRealtime {timer}").stdout.strip()
    assert nxt.startswith("Sun "), nxt
    listed = machine.sh(f"systemctl list-timers --all --no-legend {timer}").stdout
    assert listed.startswith("Sun "), listed
    analyzed = machine.sh("systemd-analyze calendar --iterations=3 'Sun *-*-* 00:00:00'").stdout
    assert analyzed.count(" Sun ") >= 3, analyzed
    zoned = machine.sh("systemctl show -P TimersCalendar djops-job@demo:dumpdata.timer").stdout
    assert "Mon..Fri *-*-* 23:45:00 America/New_York" in zoned, zoned
    assert "job shell of demo done" in (run := machine.sh("djops run demo shell").stdout), run
    assert "from-cron" in run
    status = machine.sh("djops status demo").stdout
    assert "job check" in status and "next Sun " in status, status
