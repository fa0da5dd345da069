"""The operator's commands on the demo server: check, status, migrate-cron,
and the shell completion, as an admin would type them."""

import json
import re

import pytest
from helpers import events, now, wait_for

SETTINGS = "/etc/opt/demo/settings.py"


def djops(m, args: str):
    return m.sh(f"djops {args}", check=False)


def test_check_passes_on_the_reference_setup(machine):
    machine.sh("djops enable demo && djops reload demo")
    r = djops(machine, "check demo")
    assert r.returncode == 0, r.stdout + r.stderr
    assert " FAIL " not in r.stdout
    for text in (
        "DEBUG is off",
        "/etc/mailname differs",
        "root is aliased",
        "djops-watch.service is active",
        "djops-health.service is active",
        'the SQLite database is in rollback-journal mode ("delete")',
    ):
        assert text in r.stdout, text
    # only what a container without TLS cannot have: an https redirect
    warned = sorted(set(re.findall(r"security\.W\d+", r.stdout)))
    assert warned == ["security.W008"], r.stdout
    secret = machine.sh(f"sed -n 's/^SECRET_KEY = \"\\(.*\\)\"/\\1/p' {SETTINGS}").stdout.strip()
    assert len(secret) > 20 and secret not in r.stdout
    items = json.loads(djops(machine, "check demo --json").stdout)["items"]
    assert {i["level"] for i in items} <= {"ok", "warn"}


@pytest.fixture
def bad_setup(machine):
    machine.sh(
        f"cp -p {SETTINGS} /root/settings.keep && cp -p /etc/mailname /root/mailname.keep "
        "&& cp -p /etc/aliases /root/aliases.keep"
    )
    since = now(machine)
    machine.sh(f"sed -i 's/^DEBUG = False/DEBUG = True/' {SETTINGS} && chmod 0644 {SETTINGS}")
    wait_for(lambda: events(machine, "demo", "reload.applied", since), timeout=20)
    machine.sh("echo example.org > /etc/mailname && sed -i '/^root:/d' /etc/aliases")
    yield
    machine.sh(
        f"cp -p /root/settings.keep {SETTINGS} && chmod 0640 {SETTINGS} "
        "&& cp -p /root/mailname.keep /etc/mailname && cp -p /root/aliases.keep /etc/aliases"
    )
    machine.sh("djops reload demo")


def test_check_fails_on_a_bad_setup_with_the_right_items(machine, bad_setup):
    r = djops(machine, "check demo")
    assert r.returncode == 1
    failed = [ln for ln in r.stdout.splitlines() if " FAIL " in ln]
    text = "\n".join(failed)
    assert "DEBUG is on" in text
    assert f"{SETTINGS} holds secrets and is 644 root:demo: chown root:demo" in text
    assert "/etc/mailname is a recipients' domain" in text
    assert "root has no alias in /etc/aliases" in text
    assert re.search(r"\d+ checklist items? of demo failed", r.stderr), r.stderr
    assert "hunter2" not in r.stdout + r.stderr


OLD_DAILY = """#!/bin/bash
export PYTHONPATH=/etc/opt/demo:/opt/demo
export DJANGO_SETTINGS_MODULE=settings
su demo -s /bin/sh -c "/opt/demo/venv/bin/python /opt/demo/manage.py clearsessions"
"""
OLD_RESTART = """#!/bin/bash
set -e
/opt/demo/venv/bin/python -m compileall -q -x /opt/demo/venv/ /opt/demo /etc/opt/demo
service demo restart
"""


def test_migrate_cron_replaces_the_old_way_and_keeps_it_restorable(machine):
    machine.put("/etc/cron.daily/demo-clearsessions", OLD_DAILY, mode=0o755)
    machine.put("/usr/local/sbin/restart-demo", OLD_RESTART, mode=0o755)
    machine.put("/etc/cron.d/demo", "MAILTO=root\n30 2 * * 0 root /usr/local/sbin/restart-demo\n")
    plan = djops(machine, "migrate-cron demo")
    assert plan.returncode == 0 and "nothing was changed" in plan.stdout
    assert "/etc/cron.daily/demo-clearsessions  ->  djops-clearsessions@demo.timer" in plan.stdout
    machine.sh("test -f /etc/cron.daily/demo-clearsessions")
    warned = djops(machine, "check demo").stdout
    assert "the old way is still active" in warned
    applied = djops(machine, "migrate-cron demo --apply")
    assert applied.returncode == 0, applied.stderr
    machine.sh("test ! -e /etc/cron.daily/demo-clearsessions")
    kept = machine.sh("ls -d /var/lib/djops/migrated/*").stdout.split()
    assert len(kept) == 1
    machine.sh(f"test -x {kept[0]}/etc/cron.daily/demo-clearsessions")
    machine.sh(f"grep -q 'service demo restart' {kept[0]}/usr/local/sbin/restart-demo")
    assert "restore: mv" in machine.sh(f"cat {kept[0]}/MIGRATED.txt").stdout
    assert "# djops migrate-cron" in machine.sh("cat /etc/cron.d/demo").stdout
    assert (
        machine.sh("systemctl is-active djops-clearsessions@demo.timer").stdout.strip() == "active"
    )
    since = now(machine)
    habit = machine.sh("restart-demo")  # the old habit still works, safely
    assert "applied" in habit.stdout
    assert events(machine, "demo", "reload.applied", since)
    again = djops(machine, "migrate-cron demo --apply")
    assert "nothing of the old way left" in again.stdout
    assert len(machine.sh("ls -d /var/lib/djops/migrated/*").stdout.split()) == 1


def test_status_shows_the_days_trouble_from_the_journal(machine):
    r = djops(machine, "status demo")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for text in (
        "clearsessions  next",
        "watcher        active",
        "health",
        "heartbeat",
        "mail outbox",
    ):
        assert text in out, text
    assert "reload.rejected" in out and "clearsessions.failed" in out
    overview = djops(machine, "status").stdout
    assert overview.startswith("demo ") and re.search(r"\d+ problems? in 24 h", overview)


def test_bash_completes_verbs_and_projects(machine):
    script = (
        "source /usr/share/bash-completion/completions/djops; "
        "COMP_WORDS=(djops mig); COMP_CWORD=1; _djops; echo ${COMPREPLY[@]}; "
        "COMP_WORDS=(djops status d); COMP_CWORD=2; _djops; echo ${COMPREPLY[@]}"
    )
    out = machine.sh(f"bash -c '{script}'").stdout.splitlines()
    assert out == ["migrate-cron", "demo"]
