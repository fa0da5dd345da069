"""A step that runs the project's python from a root unit runs in a
transient unit of its own (`systemd-run --wait`): systemd kills whatever it
leaves behind when the step ends. A stand-in systemd-run (first on PATH)
records what it is asked and answers as the step would."""

import os
import subprocess

import pytest

from djops.systemd import transient


@pytest.fixture
def systemd_run(tmp_path, monkeypatch):
    """A stand-in systemd-run: its arguments, one per line, in `asked`;
    it prints what the step printed (--pipe) and exits with its status."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    asked = tmp_path / "asked"
    fake = bin_dir / "systemd-run"
    fake.write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do printf "%s\\n" "$a"; done > {asked}\n'
        'printf "%s" "${STEP_SAYS:-}"\n'
        'exit "${STEP_EXITS:-0}"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")

    def args() -> list[str]:
        return asked.read_text().splitlines()

    return args


def test_the_step_runs_in_its_own_unit_waited_for_and_killed_whole(systemd_run, monkeypatch):
    monkeypatch.setenv("STEP_SAYS", "line one\nthe answer\n")
    proc = transient.run(
        "djops_learn_p_42", ["/usr/bin/djops", "health", "--learn-database", "p"], 60
    )
    assert proc.returncode == 0 and proc.stdout == "line one\nthe answer\n"
    args = systemd_run()
    options, command = args[: args.index("--")], args[args.index("--") + 1 :]
    assert command == ["/usr/bin/djops", "health", "--learn-database", "p"]
    assert "--unit=djops_learn_p_42" in options
    # waits for the step's end, its output comes back, its unit goes with it
    for flag in ("--wait", "--pipe", "--collect", "--quiet", "--service-type=exec"):
        assert flag in options, flag
    # the whole cgroup dies with the step, and systemd bounds its time itself
    assert "--property=KillMode=control-group" in options
    assert "--property=RuntimeMaxSec=60s" in options
    # inside, the step knows it runs there (and does the work itself)
    assert f"--setenv={transient.ISOLATED}=1" in options
    assert "--description=djops: health --learn-database p" in options
    assert not [o for o in options if o.startswith(("--uid", "--property=User", "--scope"))]


def test_a_failed_or_missing_systemd_run_is_a_failed_step(systemd_run, monkeypatch):
    monkeypatch.setenv("STEP_EXITS", "3")
    assert transient.run("u", ["/bin/true"], 5).returncode == 3

    def missing(cmd, **kw):
        raise FileNotFoundError(2, "No such file or directory", cmd[0])

    monkeypatch.setattr(transient.subprocess, "run", missing)
    proc = transient.run("u", ["/bin/true"], 5)
    assert proc.returncode == 1 and proc.stderr.startswith("systemd-run failed: ")


def test_a_systemd_run_that_hangs_is_given_up_after_the_timeout(monkeypatch):
    def hang(cmd, **kw):
        assert kw["timeout"] == 5 + 30, "RuntimeMaxSec= first; this only if systemd-run hangs"
        raise subprocess.TimeoutExpired(cmd, kw["timeout"])

    monkeypatch.setattr(transient.subprocess, "run", hang)
    proc = transient.run("u", ["/bin/true"], 5)
    assert proc.returncode == 1 and "systemd-run failed" in proc.stderr


def test_inside_is_the_transient_unit_or_not_root(monkeypatch):
    monkeypatch.setattr(transient.os, "geteuid", lambda: 0)
    monkeypatch.delenv(transient.ISOLATED, raising=False)
    assert not transient.inside(), "root elsewhere: start the transient unit"
    monkeypatch.setenv(transient.ISOLATED, "1")
    assert transient.inside()
    monkeypatch.setenv(transient.ISOLATED, "0")
    assert not transient.inside()
    monkeypatch.setattr(transient.os, "geteuid", lambda: 1000)
    assert transient.inside(), "not root: no root unit to protect"
