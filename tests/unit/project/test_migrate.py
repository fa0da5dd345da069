"""migrate-cron against a temp tree laid out the old way."""

import pytest

from djops.project import enable, legacy, migrate


@pytest.fixture
def old_way(tmp_path, monkeypatch, project):
    root = tmp_path / "root"
    monkeypatch.setenv("DJOPS_ROOT", str(root))
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (root / "etc/cron.daily").mkdir(parents=True)
    (root / "etc/cron.daily/p-clearsessions").write_text("#!/bin/bash\nmanage.py clearsessions\n")
    (root / "usr/local/sbin").mkdir(parents=True)
    (root / "usr/local/sbin/restart-p").write_text("#!/bin/bash\nservice p restart\n")
    (root / "etc/cron.d").mkdir(parents=True)
    (root / "etc/cron.d/p").write_text(
        "MAILTO=root\n0 3 * * * root /usr/local/sbin/restart-p\n0 4 * * * root /opt/other/x\n"
    )
    (root / "etc/crontab").write_text(
        "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
    )
    enabled: list = []
    monkeypatch.setattr(enable, "enable", lambda cfg: enabled.append(cfg.name) or "enabled")
    return root, enabled


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
    assert '[jobs.send_queued_mail-2] command = ["send_queued_mail"], schedule = "hourly"' in plan
    assert '[jobs.housekeeping] command = ["housekeeping"], schedule = "daily"' in plan
    assert "OR the weekday" in plan and "shell pipeline" in plan
    assert "other commands before manage.py" in plan
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
