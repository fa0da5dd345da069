"""migrate-cron against a temp tree laid out the old way."""

import pytest

from djops.migrate import legacy
from djops.migrate import main as migrate


def test_without_apply_nothing_changes(old_way):
    root, enabled = old_way
    from djops import config

    before = {p: p.read_text() for p in root.rglob("*") if p.is_file()}
    out = migrate.run(config.load("p"), apply=False)
    assert "p-clearsessions  ->  djops-clearsessions@p.timer" in out
    assert "nothing was changed" in out
    assert {p: p.read_text() for p in root.rglob("*") if p.is_file()} == before
    assert enabled == []


def test_apply_moves_keeps_restorable_and_is_idempotent(old_way, tmp_path):
    root, enabled = old_way
    from djops import config

    out = migrate.run(config.load("p"), apply=True)
    assert enabled == ["p"] and "migrated p to djops" in out
    assert not (root / "etc/cron.daily/p-clearsessions").exists()
    shim = (root / "usr/local/sbin/restart-p").read_text()
    assert legacy.SHIM_MARK in shim and "exec /usr/bin/djops reload p" in shim
    crond = (root / "etc/cron.d/p").read_text()
    assert "# djops migrate-cron" in crond and "0 4 * * * root /opt/other/x\n" in crond
    [kept] = (tmp_path / "state/migrated").iterdir()
    assert (kept / str(root).lstrip("/") / "etc/cron.daily/p-clearsessions").exists()
    assert (
        "service p restart"
        in (kept / str(root).lstrip("/") / "usr/local/sbin/restart-p").read_text()
    )
    note = (kept / "MIGRATED.txt").read_text()
    assert "restore: mv" in note and "restore: cp -p" in note
    assert legacy.find("p") == []
    again = migrate.run(config.load("p"), apply=True)
    assert "nothing of the old way left" in again
    assert len(list((tmp_path / "state/migrated").iterdir())) == 1


@pytest.fixture
def cron_jobs(old_way, project):
    """Three manage.py lines of P (one every 5 minutes, one with a MAILTO),
    a cron.daily script, one untranslatable line, a dotted script."""
    from djops import config

    root, enabled = old_way
    cfg = config.load(project, live=False)
    code, u = cfg.project.code_dir, cfg.project.user
    (root / "etc/cron.d/p-jobs").write_text(
        "# site jobs\nMAILTO=ops@example.org,dev@example.org\n"
        f"*/5 * * * * {u} cd {code} && ./manage.py send_queued_mail --limit 100 >/dev/null 2>&1\n"
        f"30 2 * * sun {u} {code}/venv/bin/python {code}/manage.py update_index --age 24\n"
        f"0 0 1 * 1 {u} {code}/manage.py prune_things\n"
        f"0 1 * * * {u} {code}/manage.py dumpdata | gzip > /var/backups/p.json.gz\n"
        f"0 2 * * * {u} sleep 60; {code}/manage.py other\n"
    )
    (root / "var/spool/cron/crontabs").mkdir(parents=True)
    (root / "var/spool/cron/crontabs" / u).write_text(
        f"@hourly {code}/manage.py send_queued_mail\n"
    )
    (root / "etc/cron.daily/p-housekeeping").write_text(
        f"#!/bin/sh\nset -e\ncd {code}\n{code}/venv/bin/python manage.py housekeeping\n"
    )
    (root / "etc/cron.daily/p.backup").write_text(f"#!/bin/sh\n{code}/manage.py backup\n")
    return root, enabled


def test_every_manage_py_line_becomes_a_job_and_the_rest_is_listed_with_why(cron_jobs, confdir):
    from djops import config

    root, _ = cron_jobs
    toml = confdir / "p.toml"
    toml.write_text("# my notes\n" + toml.read_text())
    before = toml.read_text()
    plan = migrate.run(config.load("p"), apply=False)
    assert '[jobs.send_queued_mail] command = ["send_queued_mail", "--limit", "100"], ' in plan
    assert 'schedule = "*-*-* *:00/5:00"' in plan
    assert 'mail_to = ["ops@example.org", "dev@example.org"]' in plan
    assert (
        '[jobs.update_index] command = ["update_index", "--age", "24"], schedule = "Sun *-*-* 02:30:00"'
        in plan
    )
    assert (
        '[jobs.send_queued_mail-2] command = ["send_queued_mail"], schedule = "*-*-* *:00:00"'
        in plan
    )
    assert '[jobs.housekeeping] command = ["housekeeping"], schedule = "*-*-* 06:25:00"' in plan
    assert "OR the weekday" in plan and "shell pipeline" in plan
    assert "0 2 * * *  root  sleep 60;" in plan and "a shell pipeline, list" in plan
    assert "p.backup" in plan and "run-parts skips a name with a dot" in plan
    assert toml.read_text() == before

    out = migrate.run(config.load("p"), apply=True)
    assert "migrated p to djops" in out
    cfg = config.load("p")
    assert set(cfg.jobs) == {
        "send_queued_mail",
        "update_index",
        "send_queued_mail-2",
        "housekeeping",
    }
    assert toml.read_text().startswith(before), "the user's file is kept as it was, jobs appended"
    crond = (root / "etc/cron.d/p-jobs").read_text()
    assert crond.count("# djops migrate-cron") == 2
    assert "\n0 0 1 * 1 " in crond and "\n0 1 * * * " in crond, "untranslatable lines stay in force"
    assert not (root / "etc/cron.daily/p-housekeeping").exists()
    assert (root / "etc/cron.daily/p.backup").exists()
    [kept] = (cron_jobs[0].parent / "state/migrated").iterdir()
    assert (kept / str(toml).lstrip("/")).read_text() == before
    again = migrate.run(cfg, apply=False)
    assert "[jobs." not in again and "nothing of the old way left for p" in again


def _load():
    from djops import config

    return config.load("p")


def _plan() -> str:
    return migrate.run(_load(), apply=False)


def test_weekly_is_sundays_at_midnight_and_cron_weekly_when_etc_crontab_runs_it(site):
    root, _, code, _, py = site
    (root / "etc/cron.d/p-jobs").write_text(f"@weekly nobody {py} {code}/manage.py reindex\n")
    (root / "etc/crontab").write_text(
        "47 6 * * 7 root test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }\n"
    )
    (root / "etc/cron.weekly/p-report").write_text(f"#!/bin/sh\n{py} {code}/manage.py report\n")
    plan = _plan()
    assert '[jobs.reindex] command = ["reindex"], schedule = "Sun *-*-* 00:00:00"' in plan, plan
    assert '[jobs.report] command = ["report"], schedule = "Sun *-*-* 06:47:00"' in plan, plan


def test_a_variable_line_that_differs_is_carried_into_the_job_and_each_is_listed(site):
    root, _, code, settings, py = site
    (root / "etc/cron.d/p-jobs").write_text(
        f"PYTHONPATH=/srv/lib:{settings}:{code}\n"
        f"DJANGO_SETTINGS_MODULE=settings\n"
        f'TZ="Europe/Berlin"\n'
        f"0 3 * * * nobody {py} {code}/manage.py reindex\n"
    )
    plan = _plan()
    assert (
        '[jobs.reindex] command = ["reindex"], schedule = "*-*-* 03:00:00", '
        'timezone = "Europe/Berlin", '
        f'environment = {{PYTHONPATH = "/srv/lib:{settings}:{code}", TZ = "Europe/Berlin"}}'
    ) in plan, plan
    assert "p-jobs:1  PYTHONPATH=" in plan and "carried into [jobs.reindex] environment" in plan
    assert "carried into [jobs.reindex] environment, [jobs.reindex] timezone" in plan
    assert "p-jobs:2  DJANGO_SETTINGS_MODULE=settings\n      (djops sets the same" in plan
    migrate.run(_load(), apply=True)
    assert _load().jobs["reindex"].environment == {
        "PYTHONPATH": f"/srv/lib:{settings}:{code}",
        "TZ": "Europe/Berlin",
    }
    assert _load().jobs["reindex"].timezone == "Europe/Berlin"


def test_cron_tz_becomes_the_jobs_timezone_and_stays_out_of_its_environment(site):
    root, _, code, _, py = site
    (root / "etc/cron.d/p-jobs").write_text(
        "TZ=Europe/Berlin\n"
        "CRON_TZ=America/New_York\n"
        f"30 2 * * * nobody {py} {code}/manage.py reindex\n"
    )
    plan = _plan()
    assert (
        '[jobs.reindex] command = ["reindex"], schedule = "*-*-* 02:30:00", '
        'timezone = "America/New_York", environment = {TZ = "Europe/Berlin"}'
    ) in plan, plan  # CRON_TZ is the schedule's; TZ what the command saw
    assert (
        "CRON_TZ=America/New_York\n      (the time zone of the schedules below: "
        "became [jobs.reindex] timezone)"
    ) in plan, plan
    migrate.run(_load(), apply=True)
    assert _load().jobs["reindex"].timezone == "America/New_York"


def test_an_unknown_zone_leaves_the_line_in_place_and_says_why(site):
    root, _, code, _, py = site
    (root / "etc/cron.d/p-jobs").write_text(
        f"CRON_TZ=Mars/Olympus\n0 3 * * * nobody {py} {code}/manage.py reindex\n"
    )
    plan = _plan()
    assert "[jobs.reindex]" not in plan, plan
    assert "CRON_TZ=Mars/Olympus (" in plan and "p-jobs:1) is no time zone in" in plan, plan
    assert "no line below became a job" in plan
    migrate.run(_load(), apply=True)
    assert "reindex" not in _load().jobs
    assert "0 3 * * * nobody" in (root / "etc/cron.d/p-jobs").read_text()


def test_a_cron_daily_script_of_the_reference_shape_is_translated(site):
    root, _, code, settings, py = site
    daily = root / "etc/cron.daily"
    (daily / "p-reindex").write_text(
        f"#!/bin/sh\nexport PYTHONPATH={settings}:{code}; export DJANGO_SETTINGS_MODULE=settings; "
        f"exec {py} {code}/manage.py reindex\n"
    )
    (daily / "p-su").write_text(
        f"#!/bin/bash\nset -e\nexport PYTHONPATH={settings}:{code}\nexport DJANGO_SETTINGS_MODULE=settings\n"
        f'su nobody -c "{py} \\\n    {code}/manage.py rebuild"\n'
    )
    (daily / "p-extra").write_text(
        f"#!/bin/sh\nPYTHONPATH=/srv/lib:{settings}:{code}\nexport PYTHONPATH\ncd {code}\n"
        f"{py} manage.py extra --all\n"
    )
    (daily / "p-umask").write_text(f"#!/bin/sh\numask 077\n{py} {code}/manage.py secret\n")
    plan = _plan()
    assert '[jobs.reindex] command = ["reindex"], schedule = "*-*-* 06:25:00"\n' in plan, plan
    assert "cron ran it as root; the job runs as nobody" in plan
    assert "(it sets PYTHONPATH, DJANGO_SETTINGS_MODULE as djops does: nothing to carry)" in plan
    assert '[jobs.rebuild] command = ["rebuild"], schedule = "*-*-* 06:25:00"\n' in plan
    assert (
        '[jobs.extra] command = ["extra", "--all"], schedule = "*-*-* 06:25:00", '
        f'environment = {{PYTHONPATH = "/srv/lib:{settings}:{code}"}}'
    ) in plan
    assert (
        "p-umask  (script)\n      (line 2 (umask 077): not an assignment, export, cd or the manage.py command)"
        in plan
    ), plan


def test_every_line_of_ps_files_is_listed_and_a_program_gets_a_ready_exec_job(site):
    root, _, code, _, py = site
    crond = root / "etc/cron.d/p-jobs"
    crond.write_text(
        "# P's jobs\nSHELL=/bin/bash\n"
        f"0 3 * * * nobody {py} {code}/manage.py reindex\n"
        "30 1 * * * nobody /usr/local/bin/backup-p --full\n"
        "0 5 * * * root /usr/bin/find /tmp -delete\n"
        "this is no cron line\n"
    )
    plan = _plan()
    for n in (2, 3, 4, 5, 6):
        assert f"{crond}:{n}  " in plan, (n, plan)
    assert "/usr/bin/find /tmp -delete" in plan.split("not p's, in the same files")[1]
    assert (
        "it runs no manage.py command; a job can run it as a program)\n"
        "      to run it as a job instead, add to the config and comment out the line:\n"
        "        [jobs.backup-p]\n"
        '        exec = ["/usr/local/bin/backup-p", "--full"]\n'
        '        schedule = "*-*-* 01:30:00"\n'
    ) in plan, plan
    assert "a job runs its command without one" in plan  # SHELL=
    assert "cron reads no job from this line" in plan


def test_a_del_byte_in_the_users_crontab_leaves_that_line_and_migrates_the_rest(site):
    root, enabled, code, _, py = site
    tab = root / "var/spool/cron/crontabs/nobody"
    tab.write_bytes(
        f"@daily {py} {code}/manage.py good\n@hourly {py} {code}/manage.py bad x\x7fy\n".encode()
    )
    plan = _plan()
    assert "a control character ('\\x7f')" in plan, plan
    out = migrate.run(_load(), apply=True)
    assert "migrated p to djops" in out and enabled == ["p"]
    assert set(_load().jobs) == {"good"}
    assert tab.read_bytes().endswith(b"\n@hourly " + f"{py} {code}/manage.py bad x\x7fy\n".encode())


def test_a_root_line_for_p_is_left_in_place_not_an_abort(site):
    root, _, code, _, py = site
    (root / "etc/cron.d/p-jobs").write_text(
        f"0 5 * * * root {py} {code}/manage.py rootjob\n0 6 * * * nobody {py} {code}/manage.py ok\n"
    )
    assert "it runs as root; a job never does" in _plan()
    migrate.run(_load(), apply=True)
    assert set(_load().jobs) == {"ok"}


def test_percent_is_what_cron_makes_of_it(site):
    root, _, code, _, py = site
    (root / "etc/cron.d/p-jobs").write_text(
        f"0 5 * * * nobody {py} {code}/manage.py note 50\\%\n"
        f"0 6 * * * nobody {py} {code}/manage.py mailit%to someone\n"
    )
    plan = _plan()
    assert '[jobs.note] command = ["note", "50%"]' in plan, plan
    assert "an unescaped %: cron ends the command there" in plan


def test_cd_into_the_code_dir_in_cron_daily_is_translated_elsewhere_it_says_why(site):
    root, _, code, _, py = site
    (root / "etc/cron.daily/p-cd").write_text(f"#!/bin/sh\ncd {code} && {py} manage.py cdjob\n")
    (root / "etc/cron.daily/p-tmp").write_text(
        f"#!/bin/sh\ncd /tmp && {py} {code}/manage.py tmpjob\n"
    )
    plan = _plan()
    assert '[jobs.cdjob] command = ["cdjob"], schedule = "*-*-* 06:25:00"' in plan, plan
    assert f"it runs in /tmp (cd); a job runs in {code}" in plan


def test_a_log_file_redirect_is_translated_and_says_where_the_output_goes(site):
    root, _, code, _, py = site
    (root / "etc/cron.d/p-jobs").write_text(
        f"*/10 * * * * nobody {py} {code}/manage.py poll >> /var/log/p/poll.log 2>&1\n"
    )
    plan = _plan()
    assert '[jobs.poll] command = ["poll"], schedule = "*-*-* *:00/10:00"' in plan, plan
    assert (
        "(its output went to /var/log/p/poll.log; now to the journal: "
        "journalctl -u 'djops-job@p:poll.service')"
    ) in plan


def test_what_would_not_load_is_left_with_why_and_the_rest_applies(site):
    root, enabled, code, _, py = site
    (root / "etc/cron.d/p-jobs").write_text(
        "MAILTO=ops@example.org, not an address\n"
        f"0 5 * * * nobody {py} {code}/manage.py mailed\n"
        "MAILTO=\n"
        f"0 6 * * * nobody {py} {code}/manage.py tabbed 'a\tb'\n"
        f"0 7 * * * nobody {py} {code}/manage.py fine\n"
    )
    plan = _plan()
    assert "as [jobs] mail_to it would not load (expected " in plan, plan
    assert "as [jobs] command it would not load" in plan, plan
    out = migrate.run(_load(), apply=True)
    assert "migrated p to djops" in out and enabled == ["p"]
    assert set(_load().jobs) == {"fine"}


def test_a_run_parts_time_with_no_one_equivalent_leaves_the_script_with_why(site):
    root, _, code, _, py = site
    (root / "etc/crontab").write_text("0 6 1 * 1 root cd / && run-parts --report /etc/cron.daily\n")
    (root / "etc/cron.daily/p-x").write_text(f"#!/bin/sh\n{py} {code}/manage.py x\n")
    assert "/etc/crontab runs it on '0 6 1 * 1': cron runs it when the day of month OR" in _plan()


def test_with_anacron_a_script_job_says_how_its_time_changes(site):
    root, _, code, _, py = site
    (root / "usr/sbin").mkdir(parents=True)
    (root / "usr/sbin/anacron").write_text("")
    (root / "etc/cron.daily/p-x").write_text(f"#!/bin/sh\n{py} {code}/manage.py x\n")
    assert "(anacron ran it once a day, when the server was up; the job runs at" in _plan()


def test_a_secrets_variable_is_neither_copied_into_p_toml_nor_shown(site):
    root, _, code, _, py = site
    (root / "var/spool/cron/crontabs/nobody").write_text(
        f"DJANGO_SECRET_KEY=k-never-shown-42\n0 3 * * * {py} {code}/manage.py needs_it\n"
    )
    plan = _plan()
    assert "k-never-shown-42" not in plan, plan
    assert "DJANGO_SECRET_KEY=********" in plan
    assert "DJANGO_SECRET_KEY: a secret's name; djops does not copy it into " in plan
    migrate.run(_load(), apply=True)
    assert "needs_it" not in _load().jobs
