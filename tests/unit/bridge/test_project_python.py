"""The worker: its own session (never root's terminal), output relayed
escaped and masked, bounded in time; root only trusts a root-owned python."""

import os
import pty
import sys

import pytest

from djops import config, safefs
from djops.bridge import project_python

WORKER = """#!/bin/sh
exec {python} -c '
import json, os, sys
fd = int(sys.argv[sys.argv.index("--result-fd") + 1])
try:
    os.close(os.open("/dev/tty", os.O_RDWR))
    tty = True
except OSError:
    tty = False
print("hello \\033[2J from the project: hunter2-in-output")
sys.stdout.flush()
{extra}
os.write(fd, json.dumps({{"tty": tty, "stdout_tty": os.isatty(1)}}).encode())
' "$@"
"""


@pytest.fixture
def worker(project, tmp_path):
    def make(extra: str = "") -> config.Config:
        cfg = config.load(project, live=False)
        py = f"{cfg.project.venv}/bin/python"
        os.unlink(py)
        with open(py, "w") as f:
            f.write(WORKER.format(python=sys.executable, extra=extra))
        os.chmod(py, 0o755)
        with open(f"{cfg.project.settings_dir}/settings.py", "w") as f:
            f.write("EMAIL_HOST_PASSWORD = 'hunter2-in-output'\n")
        return cfg

    return make


def test_the_worker_never_gets_our_controlling_terminal(worker):
    """In a child with a real terminal (as root at a shell), the worker cannot
    open it, so TIOCSTI into root's shell is impossible."""
    cfg = worker()
    pid, fd = pty.fork()
    if pid == 0:  # child: has the pty as controlling terminal and stdout
        try:
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - the pty, not pytest's capture
            os.close(os.open("/dev/tty", os.O_RDWR))  # the control: we do have one
            res = project_python.run(cfg, "facts")
            os._exit(10 + res.data["tty"] * 2 + res.data["stdout_tty"])
        except BaseException:
            os._exit(99)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 10, out
    assert b"\x1b[2J" not in out and b"\\x1b[2J" in out, "escapes arrive visible, not raw"
    assert b"hunter2-in-output" not in out, "settings values are masked in relayed output"


def test_a_worker_that_hangs_is_killed_with_its_children(worker):
    cfg = worker('import subprocess, time; subprocess.Popen(["sleep", "60"]); time.sleep(60)')
    res = project_python.run(cfg, "facts", timeout=1.5)
    assert res.status == 124 and "did not finish within 2s" in res.data["error"]


def test_root_trusts_only_a_root_owned_python_behind_the_venv(project, tmp_path):
    cfg = config.load(project, live=False)
    assert project_python.root_interpreter(cfg) == os.path.realpath(sys.executable)
    py = f"{cfg.project.venv}/bin/python"
    os.unlink(py)
    os.symlink("/bin/sh", py)
    with pytest.raises(safefs.Unsafe, match="does not lead to a python3 interpreter"):
        project_python.root_interpreter(cfg)


@pytest.mark.skipif(os.geteuid() != 0, reason="ownership checks need root")
def test_a_copied_interpreter_with_a_writable_pyvenv_cfg_is_refused(project, tmp_path):
    import shutil

    cfg = config.load(project, live=False)
    venv = cfg.project.venv
    py = f"{venv}/bin/python"
    os.unlink(py)
    shutil.copy(os.path.realpath(sys.executable), f"{venv}/bin/python3")
    os.symlink("python3", py)
    with open(f"{venv}/pyvenv.cfg", "w") as f:
        f.write("home = /usr/bin\n")
    project_python.root_interpreter(cfg)  # all root's: fine
    os.chown(f"{venv}/pyvenv.cfg", 65534, 65534)
    with pytest.raises(safefs.Unsafe, match=r"pyvenv\.cfg is writable by nobody"):
        project_python.root_interpreter(cfg)


def test_root_compiles_in_its_own_process_when_the_venv_runs_its_interpreter(project, monkeypatch):
    """No python started for the compile of a venv made with djops' own
    python3 (issue 29's reload latency); another interpreter's bytecode tag
    may differ, so it compiles in a process of its own, as ever."""
    cfg = config.load(project, live=False)
    src = os.path.join(cfg.project.settings_dir, "extra_settings.py")
    with open(src, "w") as f:
        f.write("X = 1\n")
    spawned = []
    monkeypatch.setattr(project_python, "_spawn", lambda *a: spawned.append(a[1]) or None)
    res = project_python.compile_as_root(
        cfg, os.path.realpath(sys.executable), [cfg.project.settings_dir], 10, [src]
    )
    assert spawned == [] and res.ok, res
    if os.geteuid() == 0:  # only root-owned directories are written
        assert res.data["changed"] == [src]
    project_python.compile_as_root(cfg, "/usr/bin/python3.99", [cfg.project.settings_dir], 10)
    assert spawned and spawned[0][0] == "/usr/bin/python3.99"


@pytest.mark.skipif(os.geteuid() != 0, reason="the compile writes only where root alone can")
def test_root_compiling_in_its_own_process_reports_a_syntax_error_without_its_line(
    project, monkeypatch
):
    cfg = config.load(project, live=False)
    src = os.path.join(cfg.project.settings_dir, "broken_settings.py")
    with open(src, "w") as f:
        f.write("PASSWORD = 'hunter2-compiled\n")
    res = project_python.compile_as_root(
        cfg, os.path.realpath(sys.executable), [cfg.project.settings_dir], 10, [src]
    )
    assert not res.ok and "SyntaxError" in res.data["error"]
    assert "hunter2" not in repr(res)
