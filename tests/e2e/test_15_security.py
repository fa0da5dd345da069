"""Root never runs, follows or trusts what the project user can write.

A second project, `owned`, is deployed the way many sites are and the
reference is not: its user owns the code directory and the venv. That user
plants a sitecustomize.py, a .pth and a __pycache__
symlink; djops reloads and checks the project, and nothing runs or changes
as root. Each planted file also proves it works, by running as the project
user where the project's python legitimately runs.
"""

import secrets

import pytest
from helpers import events, now, wait_for
from provision import deploy, mails

P = "owned"
DATA = f"/var/opt/{P}"
VICTIM = "/srv/victim"
# django.core.management.utils.get_random_secret_key()'s alphabet
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"
PAYLOAD = "import os; open(f'{data}/{what}-as-{{os.geteuid()}}', 'a').close()\n"


def ran(m, what: str) -> list[str]:
    out = m.sh(f"ls {DATA} | grep '^{what}-as-' || true").stdout.split()
    return sorted(out)


def victim_state(m) -> str:
    return m.sh(f"stat -c '%U:%G %a' {VICTIM}; ls -A {VICTIM}").stdout


@pytest.fixture(scope="module")
def owned(machine):
    m = machine
    deploy(m, P, port=8001)
    uid = m.sh(f"id -u {P}").stdout.strip()
    pyver = m.sh(f"/opt/{P}/venv/bin/python -c 'import sys; print(sys.version_info[1])'")
    site = f"/opt/{P}/venv/lib/python3.{pyver.stdout.strip()}/site-packages"
    m.sh(f"mkdir -p {VICTIM} && echo keep > {VICTIM}/keep && chmod 755 {VICTIM}")
    m.sh(f"chown -R {P}:{P} /opt/{P}")  # the project user owns code and venv
    plant = {
        f"/opt/{P}/sitecustomize.py": PAYLOAD.format(data=DATA, what="sitecustomize"),
        f"{site}/zz_djops_test.pth": PAYLOAD.format(data=DATA, what="pth"),
    }
    for path, text in plant.items():
        m.put(path, text)
        m.sh(f"chown {P}:{P} {path}")
    m.sh(
        f"rm -rf /opt/{P}/demo/__pycache__ && runuser -u {P} -- ln -s {VICTIM} /opt/{P}/demo/__pycache__"
    )
    m.put(
        f"/etc/djops/{P}.toml",
        '[watch]\ndebounce_seconds = 1.0\n[clearsessions]\nschedule = "*-*-* 04:00"\n',
    )
    m.sh(f"djops enable {P}")
    yield {"uid": uid, "before": victim_state(m)}
    m.sh(f"djops disable {P}; systemctl stop {P}.service; systemctl reset-failed", check=False)


def test_reload_runs_no_project_code_as_root_and_follows_no_planted_link(machine, owned):
    m = machine
    m.sh(f"rm -f {DATA}/*-as-*")
    since = now(m)
    out = m.sh(f"djops reload {P}")
    assert "applied" in out.stdout, out.stdout + out.stderr
    # the planted code is live: it runs as the project user (the control) ...
    assert ran(m, "sitecustomize") == [f"sitecustomize-as-{owned['uid']}"]
    assert ran(m, "pth") == [f"pth-as-{owned['uid']}"]
    # ... and never as root
    assert "sitecustomize-as-0" not in ran(m, "sitecustomize")
    assert "pth-as-0" not in ran(m, "pth")
    assert victim_state(m) == owned["before"], "the __pycache__ symlink was followed"
    assert m.sh(f"readlink /opt/{P}/demo/__pycache__").stdout.strip() == VICTIM
    [warning] = events(m, P, "reload.not_compiled", since)
    assert warning["PRIORITY"] == "4"
    assert f"/opt/{P} is writable by {P}" in warning["MESSAGE"]
    assert f"chown root:root /opt/{P}" in warning["MESSAGE"]


def test_check_says_what_to_chown(machine, owned):
    out = machine.sh(f"djops check {P}", check=False).stdout
    assert f"djops will not compile /opt/{P} as root: /opt/{P} is writable by {P}" in out
    assert f"/etc/opt/{P} is root's alone" in out


def test_a_root_owned_tree_is_compiled_again_once_it_is_root_s(machine, owned):
    m = machine
    m.sh(f"rm -f /opt/{P}/demo/__pycache__ && chown -R root:root /opt/{P}")
    since = now(m)
    m.sh(f"djops reload {P}")
    assert events(m, P, "reload.not_compiled", since) == []
    assert m.sh(f"stat -c %U /opt/{P}/demo/__pycache__").stdout.strip() == "root"
    assert "sitecustomize-as-0" not in ran(m, "sitecustomize"), "isolated even when trusted"
    assert victim_state(m) == owned["before"]


def test_a_generated_secret_key_never_reaches_the_failure_mail(machine, owned):
    """gunicorn's traceback quotes the key (Django's alphabet: # ( = and all);
    the failure mail quotes gunicorn's journal; the key must not be in it."""
    m = machine
    key = "django-insecure-" + "".join(secrets.choice(KEY_CHARS) for _ in range(42)) + "#(=+)"
    settings = m.sh(f"cat /etc/opt/{P}/settings.py").stdout
    m.put(
        f"/etc/systemd/system/{P}.service.d/stderr.conf",
        f"[Service]\nExecStart=\nExecStart=/opt/{P}/venv/bin/gunicorn --workers=1 "
        f"--bind=127.0.0.1:8001 --error-logfile=- demo.wsgi:application\n",
    )
    # the host's watcher would apply (and reject) the broken settings first
    m.sh("systemctl stop djops-watch && systemctl daemon-reload")
    broken = (
        settings.replace("SECRET_KEY = ", "OLD_KEY = ")
        + f"SECRET_KEY = '{key}'\nX = int(SECRET_KEY)\n"
    )
    m.put(f"/etc/opt/{P}/settings.py", broken, mode=0o640)
    m.sh(f"chown root:{P} /etc/opt/{P}/settings.py")
    since = now(m)
    m.sh(f"systemctl restart {P}.service", check=False)
    wait_for(lambda: events(m, P, "unit.failed", since), timeout=60, what="the failure handler")
    [mail] = wait_for(
        lambda: [x for x in mails(m) if f"{P}.service failed" in str(x["Subject"])],
        timeout=60,
        what="the failure mail",
    )
    body = mail.get_content()
    assert "invalid literal for int()" in body, "the control: the traceback is quoted"
    assert key not in body and key[16:40] not in body
    m.put(f"/etc/opt/{P}/settings.py", settings, mode=0o640)
    m.sh(f"rm /etc/systemd/system/{P}.service.d/stderr.conf && systemctl daemon-reload")
    m.sh(f"chown root:{P} /etc/opt/{P}/settings.py && systemctl restart {P}.service")
    m.sh("systemctl start djops-watch")


def test_forged_journal_entries_are_ignored_and_escapes_never_reach_the_terminal(machine):
    m = machine
    forge = (
        "from systemd import journal; journal.send('forged \\x1b]0;pwned\\x07 done', "
        "DJOPS_PROJECT='demo', DJOPS_EVENT='{ev}', PRIORITY='{prio}', SYSLOG_IDENTIFIER='djops')"
    )
    for ev, prio in (("clearsessions.done", "6"), ("health.alert", "1"), ("reload.applied", "5")):
        m.sh(f'python3 -c "{forge.format(ev=ev, prio=prio)}"', user="nobody")
    wait_for(lambda: events(m, "demo", "health.alert"), what="the forged entry in the journal")
    out = m.sh("djops status demo").stdout
    assert "forged" not in out and "\x1b" not in out and "pwned" not in out


FORGER = (
    "from systemd import journal\n"
    "common = dict(DJOPS_PROJECT='demo', SYSLOG_IDENTIFIER='djops', PRIORITY='6')\n"
    "journal.send('forged done', DJOPS_EVENT='job.done', DJOPS_JOB='victim', DJOPS_EXIT='0', **common)\n"
    "journal.send('forged skip', DJOPS_EVENT='job.skipped', DJOPS_JOB='victim', "
    "DJOPS_HOLDER='forged', DJOPS_SUCCEEDED_AGO='1', **common)\n"
    "journal.send('forged cleared', DJOPS_EVENT='clearsessions.done', DJOPS_ROWS='1', **common)\n"
    "journal.send('forged applied', DJOPS_EVENT='reload.applied', **common)\n"
)
JOBS = """[clearsessions]
schedule = "*-*-* 03:30"
[jobs.victim]
exec = ["/bin/false"]
schedule = "weekly"
[jobs.forger]
exec = ["/usr/bin/python3", "/usr/local/lib/forger.py"]
schedule = "weekly"
"""


def test_a_jobs_own_code_cannot_log_another_units_result(machine):
    """The job `forger` logs, from its own unit and user, a success of the
    failing job `victim`, of clearsessions and an applied reload: djops status
    believes none of them (the journal has them: the control)."""
    m = machine
    m.put("/usr/local/lib/forger.py", FORGER)
    m.put("/etc/djops/demo.toml", JOBS)
    m.sh("djops enable demo")
    try:
        since = now(m)
        assert m.sh("djops run demo victim", check=False).returncode == 1
        m.sh("djops run demo forger")
        forged = wait_for(
            lambda: [
                e for e in events(m, "demo", "job.done", since) if e.get("DJOPS_JOB") == "victim"
            ],
            what="the forged job.done in the journal",
        )
        assert forged[0]["_SYSTEMD_UNIT"] == "djops-job@demo:forger.service"
        assert forged[0]["_UID"] == m.sh("id -u demo").stdout.strip()
        out = m.sh("djops status demo").stdout
        [victim] = [ln for ln in out.splitlines() if ln.lstrip().startswith("job victim ")]
        assert "failed here" in victim and "forged" not in victim, victim
        assert "forged" not in out, out
    finally:
        m.sh("systemctl reset-failed 'djops-job@demo:*'", check=False)
        m.put("/etc/djops/demo.toml", "")
        m.sh("djops enable demo")


def test_a_setgid_settings_directory_reloads(machine):
    """chmod 2750: new files get the directory's group; the compile step's
    sandbox (RestrictSUIDSGID=) must not turn that into a rejected reload."""
    m = machine
    mode, group = m.sh("stat -c '%a %G' /etc/opt/demo").stdout.split()
    m.sh("chgrp demo /etc/opt/demo && chmod 2750 /etc/opt/demo && rm -rf /etc/opt/demo/__pycache__")
    try:
        out = m.sh("djops reload demo", check=False)
        assert out.returncode == 0 and "applied" in out.stdout, out.stdout + out.stderr
        assert m.sh("ls /etc/opt/demo/__pycache__").stdout.strip(), "compiled"
    finally:
        # a numeric chmod keeps a directory's setgid bit (GNU chmod): clear it first
        m.sh(
            f"chmod g-s /etc/opt/demo && chgrp {group} /etc/opt/demo && chmod {mode} /etc/opt/demo"
        )


def test_local_mailboxes_receive_djops_mail(machine):
    """dma's local delivery helper runs inside the mail queue's sandbox."""
    m = machine
    m.sh("rm -f /var/mail/demo")
    m.put(
        "/etc/djops/demo.toml",
        '[health]\nmail_to = ["demo"]\n[clearsessions]\nschedule = "*-*-* 03:30"\n',
    )
    m.sh("djops heartbeat demo")
    wait_for(
        lambda: "heartbeat" in m.sh("cat /var/mail/demo 2>/dev/null || true").stdout,
        timeout=30,
        what="the heartbeat in /var/mail/demo",
    )
    m.sh("rm /etc/djops/demo.toml")
