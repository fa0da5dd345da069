"""The wrappers in front of a cron command, read off its words."""

import pytest

from djops.migrate import shell as cronshell
from djops.migrate import wrappers

PY = ["/opt/p/venv/bin/python", "/opt/p/manage.py", "x"]


@pytest.mark.parametrize(
    ("words", "timeout", "said"),
    [
        (["flock", "-n", "/tmp/x.lock"], 0, "a job never runs twice at once either"),
        (["/usr/bin/flock", "-xn", "-E", "0", "/tmp/x.lock"], 0, "it takes no /tmp/x.lock"),
        (["flock", "--nonblock", "/tmp/x.lock"], 0, "skipped"),
        (["nice"], 0, "a job runs at nice 10 already"),
        (["nice", "-n", "5"], 0, "a job runs at nice 10 already"),
        (["nice", "-10"], 0, "a job runs at nice 10 already"),
        (["ionice", "-c3"], 0, "a job's IO is idle class already"),
        (["ionice", "-c", "2", "-n", "7"], 0, "idle class already"),
        (["ionice", "--class", "idle", "-t"], 0, "idle class already"),
        (["timeout", "30m"], 1800, "timeout_seconds = 1800"),
        (["timeout", "--foreground", "-s", "TERM", "1.5h"], 5400, "SIGKILL 90 s later"),
        (["timeout", "-k", "10", "45"], 45, "-k said 10"),
    ],
)
def test_a_wrapper_a_job_does_the_same_as_or_gentler(words, timeout, said):
    u = wrappers.unwrap([*words, *PY])
    assert (u.why, u.argv, len(u.wrappers)) == ("", PY, 1)
    [w] = u.wrappers
    assert said in w.note and not w.differs and w.timeout == timeout
    assert w.text == " ".join(words)


@pytest.mark.parametrize(
    ("words", "differs", "setting"),
    [
        (["flock", "/tmp/x.lock"], "waits for the lock, then runs", ""),
        (["flock", "-w", "5", "/tmp/x.lock"], "use flock -n to have it translated", ""),
        (["nice", "-n", "19"], "a job runs at nice 10, not 19", "Nice=19"),
        (["nice", "-n", "-5"], "not -5", "Nice=-5"),
        (["ionice", "-c1"], "not realtime", "IOSchedulingClass=realtime"),
        (["timeout", "-s", "KILL", "1h"], "not SIGKILL", "KillSignal=SIGKILL"),
        (["timeout", "-s", "9", "1h"], "not SIGKILL", "KillSignal=SIGKILL"),
        (["timeout", "0"], "sets no limit", ""),
    ],
)
def test_a_wrapper_a_job_differs_from_says_how_and_what_would_do_it(words, differs, setting):
    u = wrappers.unwrap([*words, *PY])
    assert (u.why, u.argv) == ("", PY)
    [w] = u.wrappers
    assert differs in w.differs and not w.note and w.setting == setting


@pytest.mark.parametrize(
    ("words", "why"),
    [
        (["flock", "-n", "/tmp/x", "-c", "x"], "runs its command through sh"),
        (["flock", "-s", "-n", "/tmp/x"], "a shared lock"),
        (["env", "-i"], "env -i: a job's environment can only add variables"),
        (["ionice", "-p", "1"], "it changes other processes"),
        (["timeout", "soon"], "'soon' is no duration"),
        (["nice", "-n", "lots"], "no niceness"),
    ],
)
def test_what_no_job_can_say(words, why):
    assert why in wrappers.unwrap([*words, *PY]).why


def test_a_wrapper_with_nothing_to_run():
    assert wrappers.unwrap(["flock", "-n"]).why == "flock with no lock file"
    assert wrappers.unwrap(["timeout", "5"]).why == "timeout with no command after it"
    assert wrappers.unwrap(["env", "A=1"]).why == "env with no command after it"


def test_variables_and_wrappers_in_a_row():
    u = wrappers.unwrap(
        ["A=1", "timeout", "5m", "nice", "ionice", "-c3", "env", "B=2", "--", "C=3", *PY]
    )
    assert (u.why, u.argv, u.env) == ("", PY, {"A": "1", "B": "2", "C": "3"})
    assert [w.text for w in u.wrappers] == ["timeout 5m", "nice", "ionice -c3"]


@pytest.mark.parametrize(
    ("text", "argv", "cwd", "env"),
    [
        ("cd /opt/p && venv/bin/python manage.py x", ["venv/bin/python", "manage.py", "x"], "/opt/p", {}),
        ("cd /opt/p; ./venv/bin/python manage.py x", ["./venv/bin/python", "manage.py", "x"], "/opt/p", {}),
        ("cd /opt/p && env V=x venv/bin/python manage.py x", ["venv/bin/python", "manage.py", "x"], "/opt/p", {"V": "x"}),
        ("flock -n /tmp/x.lock /opt/p/manage.py x >/dev/null 2>&1", ["/opt/p/manage.py", "x"], "", {}),
        ('su p -c "nice /opt/p/manage.py x"', ["/opt/p/manage.py", "x"], "", {}),
    ],
)  # fmt: skip
def test_a_command_under_its_wrappers_is_its_manage_py(text, argv, cwd, env):
    c = cronshell.command(text)
    assert (c.why, c.argv, c.cwd, c.env) == ("", argv, cwd, env)
    assert c.manage[2] == ["x"]
