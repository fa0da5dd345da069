"""The compile step of the coming validated reload (issue 3)."""

import os
import sys

import pytest

from djops.inproject import compile as compile_step
from djops.inproject.redact import Redactor


def test_pyc_is_no_more_readable_than_its_source(tmp_path):
    settings = tmp_path / "etc"
    settings.mkdir(mode=0o750)
    os.chmod(settings, 0o750)
    src = settings / "settings.py"
    src.write_text("DEBUG = False\n")
    os.chmod(src, 0o640)
    report, status = compile_step.run([str(settings)], Redactor())
    assert status == 0 and report["changed"] == [str(src)]
    tag = sys.implementation.cache_tag
    pyc = settings / "__pycache__" / f"settings.{tag}.pyc"
    assert pyc.stat().st_mode & 0o777 == 0o640
    assert (settings / "__pycache__").stat().st_mode & 0o777 == 0o750
    report, _ = compile_step.run([str(settings)], Redactor())
    assert report["changed"] == [], "fresh files are not compiled again"


def test_syntax_error_is_reported_without_the_secret(tmp_path):
    (tmp_path / "settings.py").write_text("EMAIL_HOST_PASSWORD = 'hunter2\n")
    report, status = compile_step.run([str(tmp_path)], Redactor.from_settings_dir(str(tmp_path)))
    assert status == 1
    assert "SyntaxError" in report["error"] and "hunter2" not in report["error"]


def _pyc(d, name="settings"):
    return d / "__pycache__" / f"{name}.{sys.implementation.cache_tag}.pyc"


def test_a_planted_pycache_symlink_is_never_written_through(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep").write_text("x")
    before = sorted(os.listdir(victim)), os.stat(victim).st_mode, os.stat(victim).st_uid
    app = tmp_path / "app"
    app.mkdir()
    (app / "settings.py").write_text("X = 1\n")
    (app / "__pycache__").symlink_to(victim)
    report, status = compile_step.run([str(app)], Redactor())
    assert status == 0 and report["changed"] == []
    assert any("__pycache__" in s for s in report["skipped"])
    assert (sorted(os.listdir(victim)), os.stat(victim).st_mode, os.stat(victim).st_uid) == before


def test_a_planted_pyc_symlink_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "settings.py").write_text("X = 1\n")
    (tmp_path / "__pycache__").mkdir()
    _pyc(tmp_path).symlink_to(victim)
    report, status = compile_step.run([str(tmp_path)], Redactor())
    assert status == 0 and report["changed"] == [str(tmp_path / "settings.py")]
    assert victim.read_text() == "precious"
    assert not _pyc(tmp_path).is_symlink()
    assert compile_step.is_fresh(str(tmp_path / "settings.py"), str(_pyc(tmp_path)))


def test_directories_others_can_write_are_skipped_not_compiled(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("run the unit tests as root (make test does): ownership matters here")
    mine, theirs = tmp_path / "mine", tmp_path / "mine" / "theirs"
    theirs.mkdir(parents=True)
    (mine / "a.py").write_text("A = 1\n")
    (theirs / "b.py").write_text("B = 1\n")
    os.chown(theirs, 65534, 65534)
    report, status = compile_step.run([str(mine)], Redactor())
    assert status == 0
    assert report["changed"] == [str(mine / "a.py")]
    assert report["skipped"] == [f"{theirs}: writable by others than root"]
    assert not (theirs / "__pycache__").exists()


def test_fifos_and_symlinked_directories_do_not_hang_or_lead_elsewhere(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.py").write_text("C = 1\n")
    top = tmp_path / "top"
    top.mkdir()
    os.mkfifo(top / "pipe.py")
    (top / "linked").symlink_to(elsewhere)
    report, status = compile_step.run([str(top)], Redactor())
    assert status == 0 and report["changed"] == []
    assert any("pipe.py" in s for s in report["skipped"])
    assert not (elsewhere / "__pycache__").exists()


def test_bytecode_matches_what_python_itself_writes(tmp_path):
    import py_compile

    src = tmp_path / "m.py"
    src.write_text("def f():\n    return 42\n")
    compile_step.run([str(tmp_path)], Redactor())
    ours = _pyc(tmp_path, "m").read_bytes()
    theirs = py_compile.compile(str(src), cfile=str(tmp_path / "ref.pyc"), doraise=True)
    with open(theirs, "rb") as f:
        assert ours == f.read()


def test_a_setgid_settings_directory_compiles(tmp_path, monkeypatch):
    """chmod 2750 /etc/opt/P (new files get its group) is common; the unit's
    RestrictSUIDSGID= refuses any chmod that sets the bit, as this stand-in."""
    real = os.fchmod

    def restricted(fd, mode):
        if mode & (0o4000 | 0o2000):
            raise PermissionError(1, "Operation not permitted")
        real(fd, mode)

    monkeypatch.setattr(compile_step.os, "fchmod", restricted)
    settings = tmp_path / "etc"
    settings.mkdir()
    os.chmod(settings, 0o2750)
    (settings / "settings.py").write_text("DEBUG = False\n")
    report, status = compile_step.run([str(settings)], Redactor())
    assert status == 0 and report["changed"] == [str(settings / "settings.py")], report
    assert (settings / "__pycache__").stat().st_mode & 0o777 == 0o750


def test_only_the_named_files_are_compiled(tmp_path):
    """The watcher saw settings.py change: the other sources are not read."""
    (tmp_path / "settings.py").write_text("DEBUG = False\n")
    (tmp_path / "local.py").write_text("X = 1\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("Y = 2\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "mod.py").write_text("Z = 3\n")
    named = [str(tmp_path / "settings.py"), str(tmp_path / "pkg" / "mod.py")]
    args = [a for f in named for a in ("--only", f)]
    report, status = compile_step.run([*args, str(tmp_path)], Redactor())
    assert status == 0 and sorted(report["changed"]) == sorted(named)
    assert (
        not _pyc(tmp_path, "local").exists() and not (tmp_path / "other" / "__pycache__").exists()
    )
