"""Faults a real server has, survived on purpose: a full /var/lib/djops,
garbage state files, journald restarting, the settings directory deleted or
swapped, gunicorn that preloads the app. Nothing crash-loops, nothing is lost.
"""

import time

import pytest
from helpers import add_sessions, counts, events, health_of, now, wait_for, watch_log
from provision import mails

SETTINGS_DIR = "/etc/opt/demo"
DB = "/var/opt/demo/demo.db"
CONFIG = """[watch]
debounce_seconds = 1.0
[health]
interval_seconds = 1
url = "http://127.0.0.1:8000/"
warn_after = 1
alert_after = 2
restart_after = 100
[clearsessions]
schedule = "*-*-* 03:30"
"""


def status(m, unit: str) -> str:
    return m.sh(f"systemctl show -P StatusText {unit}").stdout.strip()


def active(m, unit: str) -> bool:
    return m.sh(f"systemctl is-active {unit}", check=False).stdout.strip() == "active"


def running(m, unit: str) -> bool:
    """A oneshot's run is "activating" until it ends."""
    state = m.sh(f"systemctl is-active {unit}", check=False).stdout.strip()
    return state in ("activating", "active", "deactivating")


def restarts(m, unit: str) -> int:
    return int(m.sh(f"systemctl show -P NRestarts {unit}").stdout.strip() or 0)


def marker(m) -> str:
    return m.sh("curl -s http://127.0.0.1:8000/", check=False).stdout.strip()


@pytest.fixture(scope="module", autouse=True)
def enabled(machine):
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.sh("djops enable demo")
    wait_for(lambda: "http ok" in health_of(machine, "demo"), what="a health round")
    wait_for(lambda: "watching" in status(machine, "djops-watch"), what="the watcher")
    yield
    machine.sh("systemctl start demo.service", check=False)


def test_the_settings_directory_deleted_and_recreated(machine):
    m = machine
    since = now(m)
    m.sh(f"cp -a {SETTINGS_DIR} /root/settings-copy && rm -r {SETTINGS_DIR}")
    wait_for(lambda: events(m, "demo", "watch.degraded", since), what="watch.degraded")
    assert "NOT WATCHING" in status(m, "djops-watch")
    m.sh(f"cp -a /root/settings-copy {SETTINGS_DIR}")
    wait_for(
        lambda: events(m, "demo", "watch.recovered", since),
        what="watch.recovered",
        explain=lambda: watch_log(m, since),
    )
    wait_for(
        lambda: (
            status(m, "djops-watch").startswith("watching")
            and "NOT WATCHING" not in status(m, "djops-watch")
        ),
        what="STATUS=",
    )
    assert active(m, "djops-watch") and restarts(m, "djops-watch") == 0
    m.sh(f"sed -i 's/^DEMO_MARKER = .*/DEMO_MARKER = \"recreated\"/' {SETTINGS_DIR}/settings.py")
    wait_for(lambda: marker(m) == "demo marker=recreated", timeout=30, what="inotify again")


def test_the_settings_directory_swapped_by_a_rename(machine):
    m = machine
    since = now(m)
    m.sh(
        f"cp -a {SETTINGS_DIR} /etc/opt/demo.new && "
        "sed -i 's/^DEMO_MARKER = .*/DEMO_MARKER = \"swapped\"/' /etc/opt/demo.new/settings.py && "
        f"mv {SETTINGS_DIR} /etc/opt/demo.old && mv /etc/opt/demo.new {SETTINGS_DIR}"
    )
    wait_for(lambda: marker(m) == "demo marker=swapped", timeout=30, what="the new directory")
    # between the two renames there is no directory: the watcher may poll
    # (and apply) before inotify is back, at most POLL_SECONDS later
    wait_for(lambda: events(m, "demo", "watch.recovered", since), timeout=15, what="recovery")
    assert events(m, "demo", "watch.degraded", since)
    m.sh("sed -i 's/^DEMO_MARKER = .*/DEMO_MARKER = \"old\"/' /etc/opt/demo.old/settings.py")
    time.sleep(4)
    assert marker(m) == "demo marker=swapped", "the old directory is not watched any more"
    m.sh("rm -r /etc/opt/demo.old")


def test_garbage_state_files_are_said_and_every_daemon_carries_on(machine):
    m = machine
    since = now(m)
    m.sh("systemctl stop djops-health")
    m.put("/var/lib/djops/health-demo.json", b'{"updated": 17, "chec')
    m.put("/var/lib/djops/outbox/20261123T000000-garbage.json", b"\x00\xff garbage")
    m.sh("printf '[not json' > /run/djops-watch/changed-demo.json")  # /run is the machine's tmpfs
    m.sh("systemctl start djops-health && systemctl start djops-mailqueue.service")
    wait_for(lambda: events(m, "demo", "state.ignored", since), what="state.ignored")
    wait_for(lambda: "http ok" in health_of(m, "demo"), what="a round after it")
    [aside] = events(m, "unknown", "mail.failed", since)
    assert "garbage.json" in aside["MESSAGE"] and aside["PRIORITY"] == "2"
    m.sh("test -f /var/lib/djops/outbox/unreadable/20261123T000000-garbage.json")
    out = m.sh("djops reload demo").stdout  # reads the watcher's garbage note
    assert "applied" in out


def test_a_full_var_lib_djops_crashes_nothing_and_the_alert_comes_once_there_is_room(machine):
    m = machine
    m.sh("systemctl stop djops-health")
    # room for the state the suite has built by now (migrated cron files, queues:
    # 120 KiB on Debian 12), then a filler takes every byte left
    m.sh("cp -a /var/lib/djops /root/djops-state && mount -t tmpfs -o size=1m tmpfs /var/lib/djops")
    m.sh("cp -a /root/djops-state/. /var/lib/djops/ && rm -f /var/lib/djops/health-demo.json")
    m.sh("dd if=/dev/zero of=/var/lib/djops/filler bs=4k count=400 2>/dev/null || true")
    before = len(mails(m))
    since = now(m)
    m.sh("systemctl start djops-health && systemctl stop demo.service")
    try:
        wait_for(lambda: events(m, "demo", "health.alert", since), what="the alert", timeout=40)
        [failed] = wait_for(lambda: events(m, "demo", "mail.failed", since), what="mail.failed")
        assert failed["PRIORITY"] == "2" and "No space left" in failed["MESSAGE"]
        assert events(m, "demo", "state.failed", since), "the state file could not be saved"
        time.sleep(3)
        assert active(m, "djops-health") and restarts(m, "djops-health") == 0
        m.sh("rm /var/lib/djops/filler")

        # one incident: its alert names the checks failing in its round (http
        # alone when systemd had not yet seen demo.service stop)
        def alerts() -> list:
            return [
                x
                for x in mails(m)[before:]
                if "demo@" in str(x["Subject"])
                and ": ALERT " in str(x["Subject"])
                and str(x["Subject"]).endswith(" failing")
            ]

        wait_for(alerts, timeout=60, what="the alert mail once there is room")
        time.sleep(3)
        assert len(alerts()) == 1, "sent once, not replayed"
    finally:
        m.sh("systemctl start demo.service")
        m.sh("systemctl stop djops-health; umount /var/lib/djops", check=False)
        m.sh("systemctl start djops-health")


def test_journald_restarting_loses_nothing(machine):
    m = machine
    add_sessions(m, DB, "demo", expired=60000, live=10)
    since = now(m)
    m.sh("systemctl start --no-block djops-clearsessions@demo.service")
    for _ in range(3):
        m.sh("systemctl restart systemd-journald")
        time.sleep(0.5)
    wait_for(
        lambda: (
            m.sh("systemctl is-active djops-clearsessions@demo.service", check=False).stdout.strip()
            in ("inactive", "failed")
        ),
        timeout=120,
        what="the clearsessions run to end",
    )
    assert (
        m.sh("systemctl show -P Result djops-clearsessions@demo.service").stdout.strip()
        == "success"
    )
    assert counts(m, DB, "demo")[0] == 0, "every expired row removed"
    assert events(m, "demo", "clearsessions.done", since), "its event survived the restarts"
    assert active(m, "djops-health") and active(m, "djops-watch")
    after = now(m)
    wait_for(lambda: "http ok" in health_of(m, "demo"), what="rounds go on")
    m.sh("djops heartbeat demo")
    assert events(m, "demo", "heartbeat.sent", after)


def test_a_result_logged_while_journald_lags_keeps_the_unit_it_came_from(machine):
    """journald reads a sender's unit from /proc when it takes the entry, so
    a step gone by then logs without one (systemd#2913), and a reader trusts
    a run's result only from that unit: the run was lost to health, metrics
    and `djops clearsessions`. Every djops step now waits, at its exit, until
    journald has read what it sent. Here journald is stopped while a run
    ends and goes on afterwards."""
    m = machine
    unit = "djops-clearsessions@demo.service"
    journald = m.sh("systemctl show -P MainPID systemd-journald").stdout.strip()

    def exited() -> str:
        return m.sh(f"systemctl show -P ExecMainExitTimestampMonotonic {unit}").stdout.strip()

    before, since = exited(), now(m)
    m.sh(f"kill -STOP {journald}")
    try:
        m.sh(f"systemctl start --no-block {unit}")
        wait_for(
            lambda: exited() not in ("", "0", before),
            timeout=60,
            what="the run's main process to exit while journald is stopped",
        )
        time.sleep(1.5)  # root's step after the run logs the result, and waits
    finally:
        m.sh(f"kill -CONT {journald}")
    wait_for(
        lambda: (
            m.sh(f"systemctl is-active {unit}", check=False).stdout.strip()
            in ("inactive", "failed")
        ),
        timeout=60,
        what="the clearsessions run to end",
    )
    [done] = wait_for(
        lambda: events(m, "demo", "clearsessions.done", since), what="its result in the journal"
    )
    assert done.get("_SYSTEMD_UNIT") == unit and done.get("_UID") == "0", done


def test_reload_mode_is_refused_for_a_gunicorn_that_preloads(machine):
    m = machine
    m.put("/etc/djops/demo.toml", CONFIG.replace("[watch]\n", '[watch]\nrestart = "reload"\n'))
    m.sh("djops enable demo")  # no preload yet: fine
    start = m.sh("systemctl show -P ExecStart demo.service").stdout
    assert "--preload" not in start
    m.put(
        "/etc/systemd/system/demo.service.d/preload.conf",
        "[Service]\nEnvironment=GUNICORN_CMD_ARGS=--preload\n",
    )
    m.sh("systemctl daemon-reload && systemctl restart demo.service")
    refused = m.sh("djops enable demo", check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        'djops: /etc/djops/demo.toml: [watch] restart: expected "restart", because '
        "demo.service preloads the app (--preload in its GUNICORN_CMD_ARGS=): a SIGHUP "
        'there does not load new settings, got "reload"'
    )
    pid = m.sh("systemctl show -P MainPID demo.service").stdout.strip()
    by_hand = m.sh("djops reload demo", check=False)
    assert by_hand.returncode == 1 and "preloads the app" in by_hand.stderr
    assert m.sh("systemctl show -P MainPID demo.service").stdout.strip() == pid
    m.sh("rm /etc/systemd/system/demo.service.d/preload.conf && systemctl daemon-reload")
    m.sh("systemctl restart demo.service")
    m.put("/etc/djops/demo.toml", CONFIG)
    m.sh("djops enable demo")


# sendmail that hangs once (its mark in /var/lib/djops, writable in the mail
# queue's sandbox), before or after dma takes the message, so the
# kill lands at that step; later runs hand over at once
HANG = {
    "before dma took it": "[ -e /var/lib/djops/hung ] || { touch /var/lib/djops/hung; sleep 120; }\n"
    'exec /usr/sbin/sendmail "$@"\n',
    "after dma took it": '/usr/sbin/sendmail "$@" || exit $?\n'
    "[ -e /var/lib/djops/hung ] || { touch /var/lib/djops/hung; sleep 120; }\n",
}


@pytest.mark.parametrize("step", list(HANG))
def test_kill_9_while_handing_a_mail_over_delivers_it_exactly_once(machine, step):
    m = machine
    m.put("/usr/local/sbin/hanging-sendmail", "#!/bin/sh\n" + HANG[step], mode=0o755)
    hanging = '[health]\nsendmail = "/usr/local/sbin/hanging-sendmail"\n'
    m.put("/etc/djops/demo.toml", CONFIG.replace("[health]\n", hanging))
    m.sh("rm -f /var/lib/djops/hung && djops enable demo")
    m.sh("systemctl stop smtp-sink")  # the smarthost away: dma keeps what it took
    before = len(mails(m))
    try:
        m.sh("djops heartbeat demo")
        wait_for(
            lambda: m.sh("test -e /var/lib/djops/hung", check=False).returncode == 0,
            what="the hang",
        )
        m.sh("systemctl kill -s KILL djops-mailqueue.service")
        wait_for(lambda: not active(m, "djops-mailqueue.service"), what="the kill")
        m.sh("systemctl start djops-mailqueue.service")  # the next run
    finally:
        m.sh("systemctl start smtp-sink")
    m.sh("for i in $(seq 50); do ss -ltn | grep -q ':2525 ' && break; sleep 0.1; done")
    m.sh("systemctl start djops-mailqueue.service")  # hands over, flushes dma's queue
    wait_for(
        lambda: [x for x in mails(m)[before:] if "heartbeat" in str(x["Subject"])],
        timeout=60,
        what="the heartbeat",
    )
    time.sleep(3)
    m.sh("systemctl start djops-mailqueue.service")
    time.sleep(2)
    beats = [x for x in mails(m)[before:] if "heartbeat" in str(x["Subject"])]
    assert len(beats) == 1, f"{step}: {len(beats)} copies arrived"
    assert m.sh("ls /var/lib/djops/outbox/*.json 2>/dev/null | wc -l").stdout.strip() == "0"
    m.put("/etc/djops/demo.toml", CONFIG)
    m.sh("djops enable demo")


def test_a_mail_queued_while_the_queue_runs_gets_a_run_of_its_own(machine):
    """`systemctl start` would merge into the run that is ending; the request
    file in /var/lib/djops/due/mail makes djops-mailqueue.path start another."""
    m = machine
    m.put(
        "/usr/local/sbin/slow-sendmail",
        '#!/bin/sh\nsleep 3\nexec /usr/sbin/sendmail "$@"\n',
        mode=0o755,
    )
    slow = '[health]\nsendmail = "/usr/local/sbin/slow-sendmail"\n'
    m.put("/etc/djops/demo.toml", CONFIG.replace("[health]\n", slow))
    m.sh("djops enable demo")
    assert m.sh("systemctl is-active djops-mailqueue.path").stdout.strip() == "active"
    since = now(m)
    m.sh("djops heartbeat demo")  # queues a mail: the path unit starts a run
    wait_for(lambda: running(m, "djops-mailqueue.service"), what="the queue run")
    m.sh("touch /var/lib/djops/due/mail/from-the-test")  # a request during that run

    def runs() -> int:
        lines = m.journal(f"--since=@{since}", "-u", "djops-mailqueue.service")
        return sum("djops outbox:" in str(e.get("MESSAGE")) for e in lines)

    wait_for(lambda: runs() >= 2 and not running(m, "djops-mailqueue.service"), what="a 2nd run")
    assert m.sh("ls -A /var/lib/djops/due/mail").stdout.strip() == ""
    m.put("/etc/djops/demo.toml", CONFIG)
    m.sh("djops enable demo")
