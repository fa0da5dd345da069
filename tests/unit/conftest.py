"""Unit tests import djops from the source tree and never touch /etc."""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))

from djops.adapters import journal  # noqa: E402


@pytest.fixture
def sent():
    """Journal lines djops would have sent, as (message, fields)."""
    lines: list[tuple[str, dict]] = []
    journal.set_sender(lambda message, **fields: lines.append((message, fields)))
    yield lines
    journal.set_sender(None)


@pytest.fixture
def confdir(tmp_path, monkeypatch):
    d = tmp_path / "etc-djops"
    d.mkdir()
    monkeypatch.setenv("DJOPS_CONFIG_DIR", str(d))
    monkeypatch.setenv("DJOPS_SYSTEMD_DIR", str(tmp_path / "systemd"))
    return d


@pytest.fixture
def project(tmp_path, confdir):
    """A project laid out like the reference, owned by the current user."""
    import pwd

    user = pwd.getpwuid(os.getuid()).pw_name
    code = tmp_path / "opt" / "p"
    (code / "venv" / "bin").mkdir(parents=True)
    (code / "venv" / "bin" / "python").symlink_to(sys.executable)
    (code / "manage.py").write_text("")
    settings = tmp_path / "etc-opt-p"
    settings.mkdir()
    (confdir / "p.toml").write_text(
        f'[project]\nuser = "{user}"\ncode_dir = "{code}"\nvenv = "{code}/venv"\n'
        f'settings_dir = "{settings}"\n'
    )
    return "p"
