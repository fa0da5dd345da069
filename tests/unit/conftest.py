"""Unit tests import djops from the source tree and touch nothing of the
host: the autouse fixture `hermetic` moves every host path (djops.paths)
into the test's tmp_path, and the tripwire (tripwire.py) fails a test that
still writes outside it, starts a real systemctl, systemd-analyze,
journalctl or sendmail, or reaches the host's journal."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).parent))  # sample.py, tripwire.py
sys.dont_write_bytecode = True  # modules a test imports late: no __pycache__ in the tree

import tripwire  # noqa: E402
from sample import SETTINGS  # noqa: E402

from djops import config, oncalendar, paths  # noqa: E402
from djops.bridge import project_python  # noqa: E402
from djops.systemd import journal  # noqa: E402

# a venv with Django for the tests that run manage.py (DJOPS_TEST_VENV: one
# outside the tree, as on a machine where the tree is read-only)
VENV = Path(os.environ.get("DJOPS_TEST_VENV") or REPO / ".venv")

try:  # no example database (in the working directory)
    from hypothesis import configuration as hypothesis_storage
    from hypothesis import settings as hypothesis_settings

    hypothesis_settings.register_profile("unit", database=None)
    hypothesis_settings.load_profile("unit")
except ImportError:  # pragma: no cover
    hypothesis_storage = None

tripwire.install()

# variables a systemd unit (or the shell pytest runs in) may pass that djops reads
_HOST_VARIABLES = (
    "DJOPS_CONFIG_DIR",
    "DJOPS_STATE_DIR",
    "DJOPS_SYSTEMD_DIR",
    "DJOPS_RUN_DIR",
    "NOTIFY_SOCKET",
    "WATCHDOG_USEC",
    "WATCHDOG_PID",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "CREDENTIALS_DIRECTORY",
    "TRIGGER_UNIT",
    "SERVICE_RESULT",
    "EXIT_CODE",
    "EXIT_STATUS",
    "LISTEN_FDS",
    "LISTEN_PID",
    "LISTEN_FDNAMES",
)


def _on_the_host(read):
    """`read()` with no DJOPS_ROOT or DJOPS_*_DIR set: the host's own paths."""
    saved = {
        k: os.environ.pop(k) for k in [*_HOST_VARIABLES, paths.ROOT_VARIABLE] if k in os.environ
    }
    try:
        return read()
    finally:
        os.environ.update(saved)


# djops' own state on the host: a test may not even read it
HOST_STATE = _on_the_host(
    lambda: [
        str(d)
        for d in (
            paths.config_dir(),
            paths.state_dir(),
            paths.private_run_dir(),
            paths.dma_spool(),
            paths.TEXTFILE_DIR,
            paths.systemd_dir(),
        )
    ]
)
ZONEINFO = _on_the_host(paths.zoneinfo)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "host(*programs): the test runs these real programs of tripwire.PROGRAMS on "
        'purpose (read-only uses, e.g. host("systemd-analyze") to check calendars)',
    )


@pytest.fixture(autouse=True)
def hermetic(request, tmp_path, monkeypatch):
    """Every host path of djops.paths under tmp_path/root (tzdata is the
    host's, read-only), HOME, TMPDIR and the working directory in tmp_path,
    no systemd variables, the journal a tripwire, and the tripwire armed."""
    root = tmp_path / "root"
    (root / ZONEINFO.parent.relative_to("/")).mkdir(parents=True)
    (root / ZONEINFO.relative_to("/")).symlink_to(ZONEINFO)
    monkeypatch.setenv(paths.ROOT_VARIABLE, str(root))
    for name in _HOST_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ("home", "tmp"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # a child python: no __pycache__ in the tree
    if hypothesis_storage:  # its cache of Unicode tables
        hypothesis_storage.set_hypothesis_home_dir(str(tmp_path / "hypothesis"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.chdir(tmp_path)
    stand_in = tripwire.journal_module()
    monkeypatch.setitem(sys.modules, "systemd", type(sys)("systemd"))
    monkeypatch.setattr(sys.modules["systemd"], "journal", stand_in, raising=False)
    monkeypatch.setitem(sys.modules, "systemd.journal", stand_in)
    monkeypatch.setattr(sys.modules["systemd"], "_journal", stand_in, raising=False)
    monkeypatch.setitem(sys.modules, "systemd._journal", stand_in)  # the sender's C half
    monkeypatch.setattr(journal, "_sender", None)
    programs = {p for m in request.node.iter_markers("host") for p in m.args}
    for cached in (oncalendar.valid, oncalendar.period, oncalendar.next_after):
        cached.cache_clear()  # each test runs systemd-analyze itself, or fakes it
    if "systemd-analyze" not in programs:
        monkeypatch.setattr(oncalendar, "_analyze", _calendar_stand_in)
    tripwire.arm(tmp_path, programs, HOST_STATE)
    yield
    touched = tripwire.disarm()
    if len(touched) > request.node.stash.get(_REPORTED, 0):
        pytest.fail(tripwire.report(touched), pytrace=False)


_REPORTED = pytest.StashKey[int]()


def _calendar_stand_in(*args: str, verb: str = "calendar", env=None):
    """systemd-analyze for a test that did not ask for the real one: every
    calendar is valid, none has a period or a next elapse, no timestamp is
    read. Tests about schedules: @pytest.mark.host("systemd-analyze")."""
    return subprocess.CompletedProcess(["systemd-analyze", verb, *args], 0, "", "")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that reached the host fails, even if the code under test
    swallowed the tripwire's exception."""
    outcome = yield
    rep = outcome.get_result()
    touched = tripwire.touched()
    if rep.when != "call" or not touched:
        return
    item.stash[_REPORTED] = len(touched)
    if rep.passed:
        rep.outcome, rep.longrepr = "failed", tripwire.report(touched)
    else:
        rep.sections.append(("tripwire", tripwire.report(touched)))


@pytest.fixture(autouse=True)
def _root_may_be_the_project_user(monkeypatch):
    """The tests run as whoever runs them (root on the e2e host): let that
    user stand in for the project user, which djops refuses to be root."""
    from djops.config import live_values

    if os.getuid() == 0:
        monkeypatch.setattr(live_values, "ROOT_UID", -1)


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
        pytest.fail(f"no venv with Django at {VENV}: run `make deps` or set DJOPS_TEST_VENV")
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
