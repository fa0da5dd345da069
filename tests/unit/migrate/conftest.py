"""The old way laid out in a temp tree, for the migrate-cron tests."""

import pytest

from djops.project import enable


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


@pytest.fixture
def site(old_way, project, confdir):
    """A site nobody here built: P's user is not root, its cron files mix
    P's manage.py lines with variables, a backup program and log files."""
    from djops import config

    root, enabled = old_way
    toml = confdir / "p.toml"
    toml.write_text(toml.read_text().replace('user = "root"', 'user = "nobody"'))
    cfg = config.load(project, live=False)
    code, settings = cfg.project.code_dir, cfg.project.settings_dir
    py = f"{code}/venv/bin/python"
    (root / "var/spool/cron/crontabs").mkdir(parents=True)
    for d in ("cron.weekly", "cron.hourly"):
        (root / "etc" / d).mkdir()
    return root, enabled, code, settings, py
