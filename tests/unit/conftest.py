"""Unit tests import djops from the source tree and never touch /etc."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).parent))  # sample.py

from sample import SETTINGS  # noqa: E402

from djops import config  # noqa: E402
from djops.adapters import project_python  # noqa: E402
from djops.systemd import journal  # noqa: E402

VENV = REPO / ".venv"


@pytest.fixture(autouse=True)
def _root_may_be_the_project_user(monkeypatch):
    """The tests run as whoever runs them (root on the e2e host): let that
    user stand in for the project user, which djops refuses to be root."""
    from djops.config import values

    if os.getuid() == 0:
        monkeypatch.setattr(values, "ROOT_UID", -1)


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


@pytest.fixture
def django_project(tmp_path, confdir):
    if not (VENV / "bin" / "python").exists():
        pytest.fail("no .venv with Django: run `make deps`")
    code, settings = tmp_path / "code", tmp_path / "settings"
    code.mkdir()
    settings.mkdir()
    (code / "manage.py").write_text(
        "import sys\nfrom django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n"
    )
    db = tmp_path / "db.sqlite3"

    def make(engine="django.contrib.sessions.backends.db", text=None):
        (settings / "settings.py").write_text(text or SETTINGS.format(db=db, engine=engine))
        (confdir / "t.toml").write_text(
            f'[project]\nuser = "root"\ncode_dir = "{code}"\nvenv = "{VENV}"\n'
            f'settings_dir = "{settings}"\n[clearsessions]\nbatch_size = 7\n'
        )
        cfg = config.load("t", live=False)
        subprocess.run(
            [f"{VENV}/bin/python", str(code / "manage.py"), "migrate", "-v0"],
            env=project_python.environment(cfg),
            check=True,
            cwd=code,
        ) if text is None else None
        return cfg

    make.db = db
    make.settings = settings
    make.code = code
    return make
