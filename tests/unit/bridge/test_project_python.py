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
