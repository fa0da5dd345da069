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
