"""migrate-cron on lines that reach manage.py by a relative path after `cd`,
or through flock, nice, ionice, timeout or env: translated where a job does
the same, left with a true reason (and the job to paste) where not."""

import pwd

from djops import config
from djops.migrate import main as migrate


def _plan() -> str:
    return migrate.run(config.load("p"), apply=False)


def _apply() -> dict:
    migrate.run(config.load("p"), apply=True)
    return config.load("p").jobs


def test_after_cd_into_the_code_dir_a_relative_venv_python_is_the_venvs(site):
    root, _, code, _, _ = site
    crond = root / "etc/cron.d/p-jobs"
    crond.write_text(
        f"@weekly nobody cd {code} && venv/bin/python manage.py cleanup_unused_media --noinput\n"
        f"0 1 * * * nobody cd {code}; ./venv/bin/python manage.py one\n"
        f"0 2 * * * nobody cd {code}/ && env VAR=x venv/bin/python ./manage.py two\n"
        f"HOME={code}\n"
        f"0 3 * * * nobody venv/bin/python manage.py three\n"
    )
    plan = _plan()
    assert (
        '[jobs.cleanup_unused_media] command = ["cleanup_unused_media", "--noinput"], '
        'schedule = "Sun *-*-* 00:00:00"\n'
    ) in plan, plan
    assert '[jobs.one] command = ["one"], schedule = "*-*-* 01:00:00"\n' in plan, plan
    assert (
        '[jobs.two] command = ["two"], schedule = "*-*-* 02:00:00", environment = {VAR = "x"}\n'
    ) in plan, plan
    assert '[jobs.three] command = ["three"]' in plan, plan  # cron starts it in HOME, the code
    assert "left in place" not in plan, plan
    assert set(_apply()) == {"cleanup_unused_media", "one", "two", "three"}
    assert crond.read_text().count("# djops migrate-cron") == 4


def test_a_relative_python_without_cd_into_the_code_dir_is_left_with_a_true_reason(site):
    root, _, code, _, _ = site
    home = pwd.getpwnam("nobody").pw_dir
    crond = root / "etc/cron.d/p-jobs"
    crond.write_text(
        f"0 1 * * * nobody venv/bin/python {code}/manage.py nocd\n"
        f"0 2 * * * nobody venv/bin/python manage.py nocd_either\n"
        f"0 3 * * * nobody cd /tmp && venv/bin/python {code}/manage.py elsewhere\n"
        f"0 4 * * * nobody cd {code}/.. && venv/bin/python {code}/manage.py parent\n"
    )
    plan = _plan()
    assert "[jobs." not in plan, plan
    assert (
        f"(it runs manage.py with {home}/venv/bin/python (no cd before it: cron starts the "
        f"line in $HOME, {home}), not {code}/venv's python)"
    ) in plan, plan
    assert f"(it runs {home}/manage.py (no cd before it: cron starts the line in $HOME" in plan
    assert f"(it runs in /tmp (cd); a job runs in {code})" in plan, plan
    assert f"(it runs in {code}/.. (cd); a job runs in {code})" in plan, plan
    assert _apply() == {}
    assert "# djops" not in crond.read_text()


def test_flock_nice_ionice_and_timeout_become_what_a_job_does(site):
    root, _, code, _, py = site
    crond = root / "etc/cron.d/p-jobs"
    crond.write_text(
        f"0 1 * * * nobody flock -n /tmp/x.lock {py} {code}/manage.py locked\n"
        f"0 2 * * * nobody timeout 30m {py} {code}/manage.py limited\n"
        f"0 3 * * * nobody nice ionice -c3 {py} {code}/manage.py gentle\n"
        f"0 4 * * * nobody cd {code} && flock -n /tmp/y nice -n 5 venv/bin/python manage.py all\n"
    )
    (root / "etc/cron.daily/p-flocked").write_text(
        f"#!/bin/sh\ncd {code}\nexec /usr/bin/flock -n /run/lock/p {py} manage.py daily\n"
    )
    plan = _plan()
    assert '[jobs.locked] command = ["locked"], schedule = "*-*-* 01:00:00"\n' in plan, plan
    assert (
        "(flock -n /tmp/x.lock: a job never runs twice at once either (a run due while the "
        "last one still runs is skipped); it takes no /tmp/x.lock, so another command that "
        "takes that lock no longer keeps out of this one's way)"
    ) in plan, plan
    assert (
        '[jobs.limited] command = ["limited"], schedule = "*-*-* 02:00:00", '
        "timeout_seconds = 1800\n"
        "      (timeout 30m: timeout_seconds = 1800; a run that long is stopped"
    ) in plan, plan
    assert (
        '[jobs.gentle] command = ["gentle"], schedule = "*-*-* 03:00:00"\n'
        "      (nice: a job runs at nice 10 already, with batch CPU scheduling)\n"
        "      (ionice -c3: a job's IO is idle class already"
    ) in plan, plan
    assert '[jobs.all] command = ["all"]' in plan and "(nice -n 5: a job runs at nice 10" in plan
    assert '[jobs.daily] command = ["daily"], schedule = "*-*-* 06:25:00"' in plan, plan
    assert "left in place" not in plan, plan
    jobs = _apply()
    assert set(jobs) == {"locked", "limited", "gentle", "all", "daily"}
    assert jobs["limited"].timeout_seconds == 1800


def test_a_wrapper_a_job_does_not_match_leaves_the_line_with_the_job_to_paste(site):
    root, _, code, _, py = site
    crond = root / "etc/cron.d/p-jobs"
    crond.write_text(
        f"0 1 * * * nobody nice -n 19 ionice -c3 {py} {code}/manage.py niced\n"
        f"0 2 * * * nobody flock /tmp/x.lock {py} {code}/manage.py waits\n"
        f"0 3 * * * nobody flock -n /tmp/x.lock -c '{py} {code}/manage.py sh'\n"
        "0 4 * * * nobody timeout 2h /usr/local/bin/backup-p --full\n"
    )
    plan = _plan()
    assert "the old way for p" in plan and "[jobs.niced] command" not in plan, plan
    assert (
        "(nice -n 19: a job runs at nice 10, not 19; as a job with the same, add the one "
        "below, then `systemctl edit djops-job@p:niced.service` and put Nice=19 under "
        "[Service])\n"
        "      to run it as a job instead, add to the config and comment out the line:\n"
        "        [jobs.niced]\n"
        '        command = ["niced"]\n'
        '        schedule = "*-*-* 01:00:00"\n'
    ) in plan, plan
    assert (
        "(flock /tmp/x.lock waits for the lock, then runs; a job skips a run that falls due "
        "while the last one still runs (use flock -n to have it translated))\n"
        "      to run it as a job instead"
    ) in plan, plan
    assert "flock -n /tmp/x.lock -c runs its command through sh" in plan
    assert (
        "(it runs no manage.py command; a job can run it as a program; timeout 2h: "
        "timeout_seconds = 7200;"
    ) in plan, plan
    assert '        exec = ["/usr/local/bin/backup-p", "--full"]\n' in plan
    assert "        timeout_seconds = 7200\n" in plan
    assert _apply() == {}
    assert "# djops" not in crond.read_text()


def test_a_secret_set_in_front_of_the_command_is_neither_copied_nor_shown(site):
    root, _, code, _, py = site
    (root / "etc/cron.d/p-jobs").write_text(
        f"0 1 * * * nobody env API_TOKEN=t-never-shown-7 {py} {code}/manage.py one\n"
        f"0 2 * * * nobody cd {code} && DB_PASSWORD='p never shown' venv/bin/python manage.py two\n"
    )
    plan = _plan()
    assert "never-shown" not in plan and "never shown" not in plan, plan
    assert "env API_TOKEN=******** " in plan and "DB_PASSWORD=******** venv" in plan, plan
    assert "(API_TOKEN: a secret's name; djops does not copy it into " in plan, plan
    assert _apply() == {}
