"""enable / clearsessions / disable on a real systemd, as the reference's
cron job would have run it, with the journal as the record."""

import pytest
from djops_ids import MESSAGE_ID
from helpers import add_sessions, counts, events, now, wait_for

DB = "/var/opt/demo/demo.db"


def test_enable_is_idempotent_and_schedules_the_timer(machine):
    machine.put(
        "/etc/djops/demo.toml", '[clearsessions]\nschedule = "*-*-* 03:30"\nbatch_size = 7\n'
    )
    first = machine.sh("djops enable demo")
    second = machine.sh("djops enable demo")
    assert "enabled" in first.stdout and second.returncode == 0
    # the default restart without [socket]: said once, with demo.service's own --bind
    assert first.stdout.count("warning: restarts of demo.service refuse connections") == 1
    assert '\n  [socket] listen = ["127.0.0.1:8000"]\n  [watch] restart = "handover"' in (
        first.stdout
    ), first.stdout
    for unit in ("djops@demo.target", "djops-clearsessions@demo.timer"):
        assert machine.sh(f"systemctl is-enabled {unit}").stdout.strip() == "enabled"
        assert machine.sh(f"systemctl is-active {unit}").stdout.strip() == "active"
    timers = machine.sh("systemctl list-timers --all --no-legend 'djops-*'").stdout
    assert "djops-clearsessions@demo.timer" in timers
    cal = machine.sh("systemctl show -P TimersCalendar djops-clearsessions@demo.timer").stdout
    assert "03:30" in cal and cal.count("OnCalendar") == 1, cal
    assert (
        machine.sh("systemctl show -P Persistent djops-clearsessions@demo.timer").stdout.strip()
        == "yes"
    )
    dropin = machine.sh(
        "cat /etc/systemd/system/djops-clearsessions@demo.service.d/djops.conf"
    ).stdout
    assert "User=demo" in dropin


def test_run_removes_exactly_the_expired_rows_as_the_project_user(machine):
    add_sessions(machine, DB, "demo", expired=50, live=20)
    assert counts(machine, DB, "demo") == (50, 20)
    since = now(machine)
    out = machine.sh("djops clearsessions demo")
    assert "removed 50 expired sessions" in out.stdout
    assert counts(machine, DB, "demo") == (0, 20)
    [entry] = events(machine, "demo", "clearsessions.done", since)
    assert entry["DJOPS_ROWS"] == "50"
    assert float(entry["DJOPS_DURATION"]) > 0
    assert entry["PRIORITY"] == "6"
    assert entry["SYSLOG_IDENTIFIER"] == "djops"
    assert entry["MESSAGE_ID"] == MESSAGE_ID["clearsessions.done"]
    # the work runs as the project user; its result is root's post step's, from
    # systemd's record of the run (the project's python shares the unit and user)
    unit = "djops-clearsessions@demo.service"
    assert machine.sh(f"systemctl show -P User {unit}").stdout.strip() == "demo"
    assert entry["_UID"] == "0" and entry["_SYSTEMD_UNIT"] == unit
    explained = machine.sh(f"journalctl -x --no-pager MESSAGE_ID={entry['MESSAGE_ID']} -n 1").stdout
    assert "Expired Django sessions of demo cleared" in explained


def test_timer_run_works_like_the_cron_job(machine):
    add_sessions(machine, DB, "demo", expired=9, live=0)
    since = now(machine)
    # Type=notify: a plain start returns at READY=1, before the run ends
    machine.sh("systemctl start --wait djops-clearsessions@demo.service")
    assert counts(machine, DB, "demo") == (0, 20)
    [entry] = events(machine, "demo", "clearsessions.done", since)
    assert entry["DJOPS_ROWS"] == "9"


def test_project_user_may_differ_from_project_name(machine):
    machine.sh("sh /root/demo-src/deploy.sh shop shopper 8001 /opt/demo/venv")
    machine.put("/etc/djops/shop.toml", '[project]\nuser = "shopper"\nvenv = "/opt/demo/venv"\n')
    machine.sh("djops enable shop")
    db = "/var/opt/shop/shop.db"
    add_sessions(machine, db, "shopper", expired=30, live=5)
    since = now(machine)
    machine.sh("djops clearsessions shop")
    assert counts(machine, db, "shopper") == (0, 5)
    [entry] = events(machine, "shop", "clearsessions.done", since)
    unit = "djops-clearsessions@shop.service"
    assert machine.sh(f"systemctl show -P User {unit}").stdout.strip() == "shopper"
    assert entry["DJOPS_ROWS"] == "30" and entry["_UID"] == "0"


def test_failing_run_fails_the_unit_and_logs_at_err(machine):
    db = "/var/opt/shop/shop.db"
    machine.sh(f"chmod 000 {db}")
    since = now(machine)
    try:
        r = machine.sh("djops clearsessions shop", check=False)
        assert r.returncode == 1, r
        assert "clearsessions of shop failed" in r.stderr
        assert "Traceback" not in r.stderr + r.stdout
        state = machine.sh("systemctl is-failed djops-clearsessions@shop.service", check=False)
        assert state.stdout.strip() == "failed"
        [entry] = events(machine, "shop", "clearsessions.failed", since)
        assert entry["PRIORITY"] == "3"
        assert entry["DJOPS_REASON"] == (
            'the sqlite database "/var/opt/shop/shop.db" cannot be opened: '
            "unable to open database file"
        )
        warnings = machine.journal("DJOPS_PROJECT=shop", "-p", "warning", f"--since=@{since}")
        # one problem, said once (its failure mail's unit.failed may follow)
        said = [e["DJOPS_EVENT"] for e in warnings]
        assert [e for e in said if e != "unit.failed"] == ["clearsessions.failed"], said
    finally:
        machine.sh(f"chmod 640 {db}; systemctl reset-failed djops-clearsessions@shop.service")


def test_sigterm_mid_run_loses_nothing_and_leaves_no_lock(machine):
    db = "/var/opt/shop/shop.db"
    machine.put(
        "/etc/djops/shop.toml",
        '[project]\nuser = "shopper"\nvenv = "/opt/demo/venv"\n[clearsessions]\nbatch_size = 50\n',
    )
    machine.sh("djops enable shop")
    add_sessions(machine, db, "shopper", expired=200000, live=77)
    assert counts(machine, db, "shopper") == (200000, 82)  # 5 live ones from before
    since = now(machine)
    machine.sh("systemctl start --no-block djops-clearsessions@shop.service")
    wait_for(lambda: counts(machine, db, "shopper")[0] < 199000, timeout=60, what="first batches")
    machine.sh("systemctl stop djops-clearsessions@shop.service")
    expired, live = counts(machine, db, "shopper")
    assert live == 82
    assert 0 < expired < 200000, "the run should have been stopped part-way"
    [entry] = events(machine, "shop", "clearsessions.interrupted", since)
    assert entry["PRIORITY"] == "4"
    assert int(entry["DJOPS_ROWS"]) == 200000 - expired, "every committed batch is reported"
    assert (
        machine.sh(f"sqlite3 {db} 'PRAGMA integrity_check'", user="shopper").stdout.strip() == "ok"
    )
    machine.sh(f"test ! -e {db}-journal")
    machine.sh("systemctl reset-failed djops-clearsessions@shop.service || true")
    # no lock left: the next run finishes the job (at the default batch size: the
    # 4,000 batches of 50 rows left took 46-134 s and prove nothing more)
    machine.put("/etc/djops/shop.toml", '[project]\nuser = "shopper"\nvenv = "/opt/demo/venv"\n')
    machine.sh("djops clearsessions shop")
    assert counts(machine, db, "shopper") == (0, 82)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '[health]\ninterval_seconds = "abc"\n',
            '/etc/djops/broken.toml: [health] interval_seconds: expected a positive number, got "abc"',
        ),
        (
            '[clearsessions]\nschedule = "every full moon"\n',
            "/etc/djops/broken.toml: [clearsessions] schedule: expected a systemd OnCalendar",
        ),
        ("[projekt]\n", "/etc/djops/broken.toml: [projekt]: expected one of the sections"),
        (
            '[project]\nuser = "nobody-here"\n',
            "/etc/djops/broken.toml: [project] user: expected an existing user",
        ),
    ],
)
def test_bad_config_leaves_nothing_enabled(machine, content, expected):
    machine.put("/etc/djops/broken.toml", content)
    before = machine.sh("find /etc/systemd/system | sort").stdout
    r = machine.sh("djops enable broken", check=False)
    assert r.returncode == 2
    assert r.stderr.startswith("djops: " + expected), r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert machine.sh("find /etc/systemd/system | sort").stdout == before
    assert (
        machine.sh("systemctl is-enabled djops@broken.target", check=False).stdout.strip()
        != "enabled"
    )


def test_disable_undoes_enable_and_is_idempotent(machine):
    for _ in range(2):
        machine.sh("djops disable shop")
    assert "shop" not in machine.sh("systemctl list-timers --all --no-legend 'djops-*'").stdout
    machine.sh("test ! -e /etc/systemd/system/djops-clearsessions@shop.service.d")
    machine.sh("test ! -e /etc/systemd/system/djops-clearsessions@shop.timer.d")
    assert (
        machine.sh("systemctl is-enabled djops@shop.target", check=False).stdout.strip()
        != "enabled"
    )
    listing = machine.sh("find /etc/systemd/system -path '*djops*' -name '*shop*'").stdout.split()
    assert listing == [], listing
    machine.sh("test ! -e /etc/systemd/system/shop.service.d/djops-onfailure.conf")
    for unit in (
        "djops-watch@shop.service",
        "djops-health@shop.service",  # 0.1's; the host's own has no instance
        "djops-heartbeat@shop.timer",
    ):
        state = machine.sh(f"systemctl is-active {unit}", check=False).stdout.strip()
        assert state != "active", unit
    assert machine.sh("systemctl is-active shop.service").stdout.strip() == "active"
    machine.sh("test -f /etc/djops/shop.toml")  # the user's config is kept
