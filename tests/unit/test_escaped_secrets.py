"""A password with a backslash, both quote kinds, non-ASCII letters and a '%'
never leaves through an output path in any escaped form: a job's journal
lines and `djops run`'s terminal, the project's python's relayed output and
its reports (a rejected reload's reason, `djops check`/`status` facts), the
failure mail, the job-output mail, the Apprise JSON bodies and the ping
bodies. Root's redactor is built from the values it holds
(`secrets.redactor`), the project python's from what Django loaded."""

import json
import sys
import textwrap

import pytest

from djops import config, terminal
from djops.bridge import project_python, secrets
from djops.channels import mail, notify, runpings
from djops.inproject.redact import MASK
from djops.jobs import job
from djops.mail import failure
from djops.systemd import run_output

PW = "pa\\ss'w\"ördé%41x"
PIECES = ("41x", "pa\\", "pa%")

# a job's code showing the password every way Python, json and urllib do
SHOW = textwrap.dedent(
    """
    import json, sys, traceback
    from urllib.parse import quote, quote_plus
    pw = open(sys.argv[1], encoding="utf-8").read().strip()
    DATABASES = {"default": {"NAME": "shop", "PASSWORD": pw}}
    print(pw); print(repr(pw)); print(ascii(pw)); print(DATABASES); print(ascii(DATABASES))
    print(repr(pw.encode())); print(json.dumps(DATABASES))
    print(json.dumps(DATABASES, ensure_ascii=False))
    print(quote(pw), quote(pw, safe=""), quote_plus(pw))
    try:
        int(pw)
    except ValueError as e:
        traceback.print_exc(file=sys.stdout)
        print(repr(e)); print(json.dumps({"error": str(e)}))
    sys.exit(3)
    """
)


def clean(text: str, where: str) -> None:
    assert not any(p in text for p in PIECES), f"{where}: {text}"


@pytest.fixture
def cfg(project, confdir, tmp_path, monkeypatch):
    """Root holds PW (as `djops.bridge.secrets` stores it)."""
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(secrets, "stored", lambda p: [PW])
    (tmp_path / "pw").write_text(PW + "\n", encoding="utf-8")
    (tmp_path / "show.py").write_text(SHOW)
    with open(confdir / f"{project}.toml", "a") as f:
        f.write(
            f'[jobs.show]\nexec = ["{sys.executable}", "{tmp_path}/show.py", "{tmp_path}/pw"]\n'
            'ping_url = "http://127.0.0.1:9/ping/show"\n'
            '[notify]\nurls = ["json://a.example/x"]\n'
        )
    return config.load(project, live=False)


def _shown(tmp_path) -> list[str]:
    import subprocess

    r = subprocess.run(
        [sys.executable, str(tmp_path / "show.py"), str(tmp_path / "pw")],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = r.stdout.splitlines()
    assert any("41x" in ln for ln in lines)  # the job does show it, unmasked
    return lines


def test_a_jobs_lines_in_the_journal_and_at_roots_terminal(cfg, sent, capsys, tmp_path):
    with pytest.raises(Exception, match="exit status 3"):
        job.run_here(cfg, "show")
    output = [m for m, f in sent if "DJOPS_EVENT" not in f]
    assert len(output) > 12 and sum(MASK in m for m in output) >= 12
    clean("\n".join(output), "the journal")
    show = terminal.printer(secrets.redactor(cfg))  # `djops run` at a terminal
    for line in _shown(tmp_path):
        show(line)
    clean(capsys.readouterr().out, "the terminal")


def test_the_failure_mail_the_output_mail_apprise_and_the_ping(cfg, monkeypatch, tmp_path):
    lines = _shown(tmp_path)
    mails, notes, pings = [], [], []
    monkeypatch.setattr(mail, "send", lambda p, msg, prog: mails.append(msg))
    monkeypatch.setattr(notify, "send", lambda p, u, t, b, *a, **k: notes.append((t, b)))
    monkeypatch.setattr(failure.systemctl, "run", lambda *a, **k: type("R", (), {"stdout": ""}))
    monkeypatch.setattr(failure.systemctl, "show", lambda u, *props: {"InvocationID": "abc"})
    monkeypatch.setattr(failure.alerting, "held", lambda *a: "")
    monkeypatch.setattr(failure.run_output, "invocation_lines", lambda i, n: lines)
    monkeypatch.setattr(failure.journal, "emit", lambda *a, **k: None)
    failure.run("djops-job@p:show.service")
    monkeypatch.setenv("INVOCATION_ID", "abc")
    monkeypatch.setattr(run_output, "invocation_lines", lambda i, n: lines)
    job.mail_output(cfg, "show")
    monkeypatch.setenv("SERVICE_RESULT", "exit-code")
    monkeypatch.setenv("EXIT_STATUS", "3")
    monkeypatch.setattr(runpings.sd_notify, "skipped", lambda u: False)
    monkeypatch.setattr(runpings.pings, "keep", lambda p, url, body="", **k: pings.append(body))
    monkeypatch.setattr(runpings.pings.wake, "request", lambda kind, service: None)
    runpings.ping("stop", "djops-job@p:show.service")
    assert len(mails) == 2 and len(notes) == 1 and len(pings) == 1
    for msg in mails:
        body = msg.get_content()
        assert MASK in body
        clean(body + msg.as_string(), f"the mail {msg['Subject']}")
    for title, body in notes:
        clean(title + body + json.dumps({"title": title, "body": body}), "the Apprise body")
        clean(json.dumps({"body": body}, ensure_ascii=False), "the Apprise body")
    assert MASK in pings[0]
    clean(pings[0] + json.dumps({"body": pings[0]}), "the ping body")


SETTINGS = """
import json
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.sessions"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "{db}"}}}}
SECRET_KEY = "not-the-point-of-this-test"
with open("{pw}", encoding="utf-8") as _f:
    DATABASES["default"]["PASSWORD"] = _f.read().strip()
print(DATABASES)
print(json.dumps(DATABASES))
"""


def test_the_project_pythons_relay_and_a_rejected_reloads_reason(
    django_project, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DJOPS_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    (tmp_path / "pw").write_text(PW + "\n", encoding="utf-8")  # outside the settings
    text = SETTINGS.format(db=django_project.db, pw=tmp_path / "pw")
    cfg = django_project(text=text)
    assert project_python.run(cfg, "dbaddress", timeout=60).ok
    if PW not in secrets.stored(cfg.name):
        pytest.skip("root's store needs root")
    capsys.readouterr()
    res = project_python.run(cfg, "facts", timeout=60)  # `djops check`'s facts
    err = capsys.readouterr().err
    assert f"'PASSWORD': '{MASK}'" in err and f'"PASSWORD": "{MASK}"' in err, err
    clean(err + json.dumps(res.data), "the relayed output")
    # a settings change that raises with it: the reason reload.rejected,
    # `djops reload`, `djops status` and `djops check` show
    cfg = django_project(text=text + 'CONN_MAX_AGE = int(DATABASES["default"]["PASSWORD"])\n')
    for command in ("validate", "facts"):
        res = project_python.run(cfg, command, timeout=60)
        assert res.data["error"].startswith(
            f"ValueError: invalid literal for int() with base 10: '{MASK}' ("
        ), res.data
        assert res.data["error"].endswith("settings.py, line 10)")
        clean(json.dumps(res.data) + capsys.readouterr().err, command)
