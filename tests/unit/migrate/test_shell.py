"""A cron command read as sh would: what runs, and what surrounds it."""

import pytest

from djops.migrate import shell as cronshell


@pytest.mark.parametrize(
    ("text", "argv", "cwd", "log"),
    [
        ("cd /opt/p && ./manage.py x >/dev/null 2>&1", ["./manage.py", "x"], "/opt/p", ""),
        ("exec /v/bin/python /opt/p/manage.py x --a 'b c'", ["/v/bin/python", "/opt/p/manage.py", "x", "--a", "b c"], "", ""),
        ("/opt/p/manage.py x >> /var/log/p/x.log 2>&1", ["/opt/p/manage.py", "x"], "", "/var/log/p/x.log"),
        ("/opt/p/manage.py x 2>&1 > /var/log/p/x.log", ["/opt/p/manage.py", "x"], "", "/var/log/p/x.log"),
        ('/opt/p/manage.py shell -c "print([1])"', ["/opt/p/manage.py", "shell", "-c", "print([1])"], "", ""),
        ('su p -c "/opt/p/manage.py x"', ["/opt/p/manage.py", "x"], "", ""),
    ],
)  # fmt: skip
def test_what_a_command_runs(text, argv, cwd, log):
    c = cronshell.command(text)
    assert (c.why, c.argv, c.cwd, c.log) == ("", argv, cwd, log)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("/opt/p/manage.py x | gzip", "a shell pipeline"),
        ("/opt/p/manage.py x $(date)", "a shell pipeline"),
        ("/opt/p/manage.py x *.log", "a shell pipeline"),
        ("/opt/p/manage.py x >> x.log", "its output goes to 'x.log'"),
        ("/opt/p/manage.py x\x7f", "a control character"),
        ("/opt/p/manage.py 'x", "do not parse"),
    ],
)
def test_what_a_job_cannot_say(text, why):
    assert why in cronshell.command(text).why


def test_percent_as_cron_reads_it():
    assert cronshell.cron_percent("date +\\%F") == ("date +%F", "")
    assert "unescaped %" in cronshell.cron_percent("mail -s hi root%body")[1]


def test_a_script_of_assignments_cd_and_one_command():
    c = cronshell.script(
        "#!/bin/sh\nset -eu\n# a comment\nA=1; export B='two words'\nexport A\ncd /opt/p || exit 1\n"
        "exec ./manage.py x \\\n  --y\n"
    )
    assert (c.why, c.argv, c.cwd, c.env) == (
        "",
        ["./manage.py", "x", "--y"],
        "/opt/p",
        {"A": "1", "B": "two words"},
    )
    assert "a second manage.py command" in cronshell.script("./manage.py a\n./manage.py b\n").why
    assert (
        "line 1 (X=$HOME/x): a value with a shell expansion"
        in cronshell.script("X=$HOME/x\n./manage.py a\n").why
    )
    assert cronshell.script("# nothing\n").why == "no command in it"
