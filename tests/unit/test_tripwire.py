"""The tripwire of conftest.py, tried on a generated suite run by its own
pytest with the unit suite's conftest: a test that writes to the host's
/var/lib/djops, starts a real systemctl or reaches the journal fails (even
when the code under test swallows the error), saying what and how to fake
it; a test that stays in its tmp_path, fakes the program or says
@pytest.mark.host passes."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent
# files the generated tests try to write on the host, which the wire refuses
PROBE = f"/var/lib/djops/tripwire-probe-{os.getpid()}"
SECRETS_PROBE = f"tripwire-probe-{os.getpid()}"  # as secrets-{SECRETS_PROBE}.json

CONFTEST = f"""
import importlib.util, sys

spec = importlib.util.spec_from_file_location("unit_conftest", {str(UNIT / "conftest.py")!r})
unit = importlib.util.module_from_spec(spec)
sys.modules["unit_conftest"] = unit
spec.loader.exec_module(unit)
globals().update({{k: v for k, v in vars(unit).items() if not k.startswith("__")}})
"""

TESTS = f"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from djops import paths
from djops.systemd import journal, systemctl


def test_writing_to_var_lib_djops():
    Path({PROBE!r}).write_text("{{}}")


def test_writing_the_hosts_secrets_through_djops_paths(monkeypatch):
    monkeypatch.delenv(paths.ROOT_VARIABLE)
    paths.loaded_secrets({SECRETS_PROBE!r}).write_text("{{}}")


def test_a_swallowed_refusal_still_fails():
    try:
        os.remove({PROBE!r})
    except Exception:
        pass


def test_a_real_systemctl():
    subprocess.run(["systemctl", "--version"], capture_output=True)


def test_a_real_systemctl_through_djops():
    systemctl.run("is-system-running")


def test_a_real_sendmail_through_a_shell():
    os.system("echo hi | sendmail root")


def test_a_hosts_unix_socket():
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", "/run/djops-tripwire-probe.sock")


def test_sending_to_the_journal():
    # djops' sender aimed at the host's journald: paths.journal_socket() is
    # the test's own, so only a path written out gets there
    from djops.systemd import journal_socket

    journal_socket.Sender("/run/systemd/journal/socket")("paused", DJOPS_EVENT="job.paused")


def test_reading_the_journal():
    journal.recent("p", 4, 60)


def test_its_own_tmp_path_and_the_root_are_fine(tmp_path):
    (tmp_path / "x").write_text("x")
    paths.state_dir().mkdir(parents=True)
    (paths.state_dir() / "secrets-p.json").write_text("{{}}")
    os.remove(paths.state_dir() / "secrets-p.json")
    with open(os.devnull, "w") as f:
        f.write("x")


def test_a_stand_in_in_tmp_path_is_fine(tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "systemctl"
    fake.write_text("#!/bin/sh\\necho fake\\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{{tmp_path / 'bin'}}:{{os.environ['PATH']}}")
    assert systemctl.run("is-system-running").stdout == "fake\\n"


def test_the_sent_fixture_is_fine(sent):
    journal.emit("job.paused", "p", "paused", JOB="x")
    assert sent[0][1]["DJOPS_EVENT"] == "job.paused"


@pytest.mark.host("systemd-analyze")
def test_a_named_program_is_fine():
    if shutil.which("systemd-analyze") is None:
        pytest.skip("no systemd-analyze here")
    subprocess.run(["systemd-analyze", "calendar", "daily"], capture_output=True, check=True)
"""


@pytest.fixture(scope="module")
def outcome(tmp_path_factory) -> dict[str, str]:
    """{test name: "" if it passed, else its failure text} of the generated suite."""
    top = tmp_path_factory.mktemp("tripwire")
    suite = top / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(CONFTEST)
    (suite / "test_generated.py").write_text(TESTS)
    report = top / "report.xml"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *(f"--rootdir={suite}", f"--basetemp={top / 'base'}", f"--junitxml={report}"),
            str(suite),
        ],
        capture_output=True,
        text=True,
        cwd=suite,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=300,
    )
    assert report.exists(), run.stdout + run.stderr
    leaked = [
        p for p in (PROBE, f"/var/lib/djops/secrets-{SECRETS_PROBE}.json") if os.path.exists(p)
    ]
    for p in leaked:
        os.remove(p)
    assert not leaked, f"the tripwire let the generated tests write {leaked} (removed now)"
    found = {}
    for case in ET.parse(report).iter("testcase"):
        problems = [e for e in case if e.tag in ("failure", "error")]
        found[case.get("name")] = "\n".join(
            (e.get("message") or "") + "\n" + (e.text or "") for e in problems
        )
    return found


def failure(outcome: dict[str, str], name: str) -> str:
    text = outcome[name]
    assert text, f"{name} passed"
    assert "tripwire: this unit test reached the host" in text, text
    return text


def test_a_test_writing_to_var_lib_djops_fails(outcome):
    text = failure(outcome, "test_writing_to_var_lib_djops")
    assert f"opened for writing {PROBE} (outside the test's tmp_path)" in text
    assert "djops.paths" in text, "it says how to fix it"


def test_a_test_writing_the_hosts_secrets_fails(outcome):
    text = failure(outcome, "test_writing_the_hosts_secrets_through_djops_paths")
    assert f"/var/lib/djops/secrets-{SECRETS_PROBE}.json (outside the test's tmp_path)" in text


def test_a_refusal_the_code_swallowed_still_fails_the_test(outcome):
    assert f"removed {PROBE}" in failure(outcome, "test_a_swallowed_refusal_still_fails")


def test_a_test_starting_a_real_systemctl_fails(outcome):
    for name in ("test_a_real_systemctl", "test_a_real_systemctl_through_djops"):
        text = failure(outcome, name)
        assert "started the real systemctl" in text
        assert '@pytest.mark.host("NAME")' in text and "stand-in" in text


def test_a_real_sendmail_in_a_shell_command_fails(outcome):
    assert "started the real sendmail" in failure(outcome, "test_a_real_sendmail_through_a_shell")


def test_a_hosts_unix_socket_is_out_of_reach(outcome):
    text = failure(outcome, "test_a_hosts_unix_socket")
    assert "sent to /run/djops-tripwire-probe.sock (outside the test's tmp_path)" in text


def test_the_hosts_journal_is_out_of_reach(outcome):
    sending = failure(outcome, "test_sending_to_the_journal")
    assert "connected to /run/systemd/journal/socket (outside the test's tmp_path)" in sending
    assert "systemd.journal.Reader" in failure(outcome, "test_reading_the_journal")
    assert "the `sent` fixture" in failure(outcome, "test_reading_the_journal")


def test_what_stays_inside_or_is_faked_or_named_passes(outcome):
    for name in (
        "test_its_own_tmp_path_and_the_root_are_fine",
        "test_a_stand_in_in_tmp_path_is_fine",
        "test_the_sent_fixture_is_fine",
        "test_a_named_program_is_fine",
    ):
        assert outcome[name] == "", f"{name}: {outcome[name]}"
