"""The settings watcher and the validated reload, against real gunicorn.

A request to the demo site answers `demo marker=<DEMO_MARKER>`, so each test
sees which settings the running gunicorn serves.
"""

import re
import time

import pytest
from helpers import events, now, wait_for

SETTINGS = "/etc/opt/demo/settings.py"
SECRET = "hunter2-planted"
DEBOUNCE = 1.0
VALIDATING = "/var/opt/demo/validating"  # the project user may write there


def marker(m) -> str:
    return m.sh("curl -s http://127.0.0.1:8000/", check=False).stdout.strip()


def main_pid(m, unit: str) -> str:
    return m.sh(f"systemctl show -P MainPID {unit}").stdout.strip()


def save_by_rename(m, text: str) -> None:
    """What most editors do: write a temp file, then rename it over."""
    m.put(SETTINGS + ".tmp", text, mode=0o640)
    m.sh(f"chown root:demo {SETTINGS}.tmp && mv {SETTINGS}.tmp {SETTINGS}")


def good(m_or_value: str) -> str:
    return GOOD.replace('DEMO_MARKER = "production"', f'DEMO_MARKER = "{m_or_value}"')


GOOD = ""


@pytest.fixture(scope="module", autouse=True)
def watching(machine):
    global GOOD
    machine.put(
        "/etc/djops/demo.toml",
        f'[watch]\ndebounce_seconds = {DEBOUNCE}\n[clearsessions]\nschedule = "*-*-* 03:30"\n',
    )
    machine.sh("djops enable demo")
    GOOD = machine.sh(f"cat {SETTINGS}").stdout
    assert 'DEMO_MARKER = "production"' in GOOD
    wait_for(
        lambda: "watching" in machine.sh("systemctl show -P StatusText djops-watch").stdout,
        what="the watcher's READY=1 and STATUS=",
    )
    yield
    save_by_rename(machine, GOOD)


def test_enable_starts_the_watcher_with_a_status_line(machine):
    assert machine.sh("systemctl is-active djops-watch").stdout.strip() == "active"
    assert machine.sh("systemctl is-enabled djops-watch").stdout.strip() == "enabled"
    status = machine.sh("systemctl status --no-pager djops-watch").stdout
    [line] = [ln.strip() for ln in status.splitlines() if ln.strip().startswith("Status:")]
    # one line for the host: the demo's own, or a sum when more projects are enabled
    assert re.fullmatch(
        r'Status: "watching (1 file; no reload yet|\d+ projects \(\d+ files?\).*)"', line
    ), status


def test_rename_save_is_applied_and_served(machine):
    pid = main_pid(machine, "demo.service")
    since = now(machine)
    start = time.monotonic()
    save_by_rename(machine, good("renamed"))
    wait_for(lambda: marker(machine) == "demo marker=renamed", timeout=DEBOUNCE + 15)
    assert time.monotonic() - start < DEBOUNCE + 15
    [entry] = wait_for(lambda: events(machine, "demo", "reload.applied", since))
    assert entry["PRIORITY"] == "5"
    assert SETTINGS in entry["DJOPS_CHANGED"]
    assert main_pid(machine, "demo.service") != pid
    wait_for(
        lambda: "applied" in machine.sh("systemctl show -P StatusText djops-watch").stdout,
        what="STATUS=... last reload HH:MM:SS applied",
    )


def test_a_burst_of_writes_gives_exactly_one_reload(machine):
    since = now(machine)
    machine.sh(f'for i in $(seq 40); do echo "# burst $i" >> {SETTINGS}; sleep 0.025; done')
    wait_for(lambda: events(machine, "demo", "reload.applied", since), timeout=DEBOUNCE + 15)
    time.sleep(DEBOUNCE + 2)
    assert len(events(machine, "demo", "reload.requested", since)) == 1
    assert len(events(machine, "demo", "reload.applied", since)) == 1


def test_touch_and_identical_rewrite_give_no_reload(machine):
    since = now(machine)
    machine.sh(f"touch {SETTINGS} && cat {SETTINGS} > /root/same && cat /root/same > {SETTINGS}")
    machine.sh(
        "vim_probe=/etc/opt/demo/4913; : > $vim_probe; rm $vim_probe; touch /etc/opt/demo/.settings.py.swp"
    )
    time.sleep(DEBOUNCE + 3)
    assert events(machine, "demo", "reload.requested", since) == []
    machine.sh("rm -f /etc/opt/demo/.settings.py.swp")


BAD = {
    "syntax error": f"EMAIL_HOST_PASSWORD = '{SECRET}\n",
    "import error": f"EMAIL_HOST_PASSWORD = '{SECRET}'\nfrom demo.nothing_here import x\n",
    "check error": f"EMAIL_HOST_PASSWORD = '{SECRET}'\nCACHES = {{}}\n",
    "value in a traceback": f"EMAIL_HOST_PASSWORD = '{SECRET}'\nPORT = int(EMAIL_HOST_PASSWORD)\n",
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_settings_never_reach_the_site_and_never_leak(machine, kind):
    since = now(machine)
    save_by_rename(machine, good("before-" + kind.replace(" ", "-")))
    wait_for(lambda: marker(machine).endswith("before-" + kind.replace(" ", "-")), timeout=20)
    wait_for(lambda: events(machine, "demo", "reload.applied", since))
    pid = main_pid(machine, "demo.service")
    since = now(machine)
    save_by_rename(machine, good("broken") + BAD[kind])
    [entry] = wait_for(
        lambda: events(machine, "demo", "reload.rejected", since), timeout=DEBOUNCE + 15
    )
    assert entry["PRIORITY"] == "3"
    assert main_pid(machine, "demo.service") == pid, "gunicorn must not be touched"
    assert marker(machine).endswith("before-" + kind.replace(" ", "-"))
    assert machine.sh("systemctl is-failed djops-reload@demo").stdout.strip() == "failed"
    by_hand = machine.sh("djops reload demo", check=False)
    assert by_hand.returncode == 1 and "rejected" in by_hand.stderr
    assert SECRET not in by_hand.stdout + by_hand.stderr
    journal = machine.sh("journalctl -o json --no-pager").stdout
    assert SECRET not in journal, f"{kind}: the planted secret reached the journal"
    since = now(machine)
    save_by_rename(machine, good("fixed"))
    wait_for(lambda: marker(machine) == "demo marker=fixed", timeout=DEBOUNCE + 15)
    wait_for(lambda: events(machine, "demo", "reload.applied", since))


def test_a_save_during_the_last_ones_validation_never_reaches_gunicorn(machine):
    """A broken save that lands while the previous, good one is validated: the
    restart would load it unvalidated, so it is skipped (reload.superseded);
    the next reload rejects it and the site serves on, untouched."""
    since = now(machine)
    save_by_rename(machine, good("before-race"))
    wait_for(lambda: marker(machine) == "demo marker=before-race", timeout=DEBOUNCE + 15)
    wait_for(lambda: events(machine, "demo", "reload.applied", since))
    pid, since = main_pid(machine, "demo.service"), now(machine)
    machine.sh(f"rm -f {VALIDATING}")
    # its validation has read the file when it makes VALIDATING, then sleeps
    slow = f"open({VALIDATING!r}, 'w').close()\nimport time\ntime.sleep(6)\n"
    save_by_rename(machine, good("slow") + slow)
    wait_for(
        lambda: machine.sh(f"test -e {VALIDATING}", check=False).returncode == 0,
        timeout=DEBOUNCE + 15,
        what="the validation of the slow save",
    )
    save_by_rename(machine, good("broken") + BAD["value in a traceback"])
    [skipped] = wait_for(lambda: events(machine, "demo", "reload.superseded", since))
    assert skipped["PRIORITY"] == "5" and "not restarted" in skipped["MESSAGE"]
    wait_for(lambda: events(machine, "demo", "reload.rejected", since), timeout=DEBOUNCE + 30)
    assert events(machine, "demo", "reload.applied", since) == []
    assert main_pid(machine, "demo.service") == pid, "gunicorn must not be touched"
    assert marker(machine) == "demo marker=before-race"
    assert SECRET not in machine.sh("journalctl -o json --no-pager").stdout
    since = now(machine)
    save_by_rename(machine, good("fixed"))
    wait_for(lambda: marker(machine) == "demo marker=fixed", timeout=DEBOUNCE + 15)
    wait_for(lambda: events(machine, "demo", "reload.applied", since))


def test_reload_by_hand_does_the_old_scripts_job_with_safe_bytecode(machine):
    pid = main_pid(machine, "demo.service")
    out = machine.sh("djops reload demo")
    assert "applied" in out.stdout
    assert main_pid(machine, "demo.service") != pid
    tag = machine.sh(
        "/opt/demo/venv/bin/python -c 'import sys; print(sys.implementation.cache_tag)'"
    )
    pyc = f"/etc/opt/demo/__pycache__/settings.{tag.stdout.strip()}.pyc"
    assert machine.sh(f"stat -c '%a %U:%G' {pyc}").stdout.split() == ["640", "root:demo"]


def test_delete_and_recreate_and_a_new_directory_are_noticed(machine):
    since = now(machine)
    machine.sh(f"cp -p {SETTINGS} /root/keep && rm {SETTINGS} && cp -p /root/keep {SETTINGS}")
    time.sleep(DEBOUNCE + 3)
    assert events(machine, "demo", "reload.requested", since) == [], "same content, same mode"
    machine.sh(
        "mkdir -p /root/conf && echo 'X = 1' > /root/conf/extra.py && mv /root/conf /etc/opt/demo/"
    )
    [entry] = wait_for(
        lambda: events(machine, "demo", "reload.applied", since), timeout=DEBOUNCE + 15
    )
    assert "/etc/opt/demo/conf/extra.py" in entry["DJOPS_CHANGED"]
    machine.sh("rm -r /etc/opt/demo/conf")


def test_graceful_reload_mode_keeps_the_master_process(machine):
    machine.put(
        "/etc/djops/demo.toml",
        f'[watch]\ndebounce_seconds = {DEBOUNCE}\nrestart = "reload"\n'
        '[clearsessions]\nschedule = "*-*-* 03:30"\n',
    )
    machine.sh("djops enable demo")
    pid = main_pid(machine, "demo.service")
    since = now(machine)
    save_by_rename(machine, good("graceful"))
    wait_for(lambda: marker(machine) == "demo marker=graceful", timeout=DEBOUNCE + 15)
    [entry] = wait_for(lambda: events(machine, "demo", "reload.applied", since))
    assert entry["DJOPS_MODE"] == "reload"
    assert main_pid(machine, "demo.service") == pid


def test_a_killed_watcher_is_restarted_by_systemd(machine):
    pid = main_pid(machine, "djops-watch")
    machine.sh(f"kill -9 {pid}")
    wait_for(
        lambda: (
            main_pid(machine, "djops-watch") not in ("0", pid)
            and machine.sh("systemctl is-active djops-watch", check=False).stdout.strip()
            == "active"
        ),
        timeout=20,
        what="systemd to restart the watcher",
    )


def test_a_hung_watcher_is_killed_and_restarted_by_the_watchdog(machine):
    pid = main_pid(machine, "djops-watch")
    machine.sh(f"kill -STOP {pid}")
    wait_for(
        lambda: main_pid(machine, "djops-watch") not in ("0", pid),
        timeout=75,  # WatchdogSec=30s, then the abort and RestartSec=
        what="the systemd watchdog to replace the stopped watcher",
    )
    log = machine.sh("journalctl -u djops-watch --no-pager").stdout
    assert "Watchdog timeout" in log
    wait_for(lambda: "watching" in machine.sh("systemctl show -P StatusText djops-watch").stdout)
