"""A project whose [notify] urls are queued (never delivered here), with a
planted secret in its settings, for the channel tests."""

import pytest

from djops import config
from djops.channels import mail, notify


@pytest.fixture
def notify_cfg(project, confdir, tmp_path, monkeypatch):
    def made(urls: list[str]):
        monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
        monkeypatch.setattr(mail, "kick", lambda: None)
        monkeypatch.setattr(notify.wake, "request", lambda kind, service: None)
        monkeypatch.setattr(notify.os.path, "isdir", lambda d: True)  # "under systemd": queue only
        (tmp_path / "etc-opt-p" / "settings.py").write_text(
            'SECRET_KEY = "planted-secret-value-1234"\n'
        )
        with open(confdir / "p.toml", "a") as f:
            f.write("[notify]\nurls = [" + ", ".join(f'"{u}"' for u in urls) + "]\n")
        return config.load(project, live=False)

    return made
