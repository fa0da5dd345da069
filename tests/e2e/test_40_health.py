"""Health, escalation, heartbeat and failure mail: real systemd, real dma,
and the SMTP sink on the container's loopback standing in for the smarthost."""

import json
import re
import time

import pytest
from helpers import events, health_of, now, queue_run, subjects, wait_for, wait_mail
from provision import mails

DB = "/var/opt/demo/demo.db"
CONFIG = """[health]
interval_seconds = 1
url = "http://127.0.0.1:8000/"
warn_after = 1
alert_after = 2
restart_after = 3
mail_to = ["root"]
[clearsessions]
schedule = "*-*-* 03:30"
"""


@pytest.fixture(scope="module", autouse=True)
def healthy(machine):
    machine.put("/etc/djops/demo.toml", CONFIG)
    machine.sh("djops enable demo")
    wait_for(
        lambda: "http ok" in health_of(machine, "demo"),
        what="the health daemon's first round",
    )


def test_health_status_line_shows_each_check(machine):
    status = health_of(machine, "demo")
    for check in ("service", "http", "disk", "mailqueue", "clearsessions"):
        assert f"{check} ok" in status, status


WANT = {"Type": "notify", "Restart": "always", "WatchdogUSec": "30s"}


def watching(m) -> int:
    said = m.sh("systemctl show -P StatusText djops-health").stdout
    return int(re.match(r"watching (\d+) project", said).group(1))


def test_one_health_daemon_serves_the_host_and_sums_up_in_one_line(machine):
    out = machine.sh("systemctl status --no-pager djops-health").stdout
    lines = [ln for ln in out.splitlines() if ln.strip().startswith("Status:")]
    assert len(lines) == 1, out
    assert re.fullmatch(r'Status: "watching \d+ projects?: \d+ failing.*"', lines[0].strip()), out
    assert (
        machine.sh("systemctl list-units --all --no-legend 'djops-health@*'").stdout.strip() == ""
    )
    said = {p: machine.sh(f"systemctl show -P {p} djops-health").stdout.strip() for p in WANT}
    assert said == WANT


def test_kill_9_mid_round_restarts_the_health_daemon_and_mails(machine):
    m = machine
    since, before = now(m), len(mails(m))
    pid = m.sh("systemctl show -P MainPID djops-health").stdout.strip()
    restarts = int(m.sh("systemctl show -P NRestarts djops-health").stdout.strip())
    m.sh(f"kill -9 {pid}")  # interval_seconds = 1: a round is always near
    wait_for(
        lambda: m.sh("systemctl show -P MainPID djops-health").stdout.strip() not in ("0", pid),
        timeout=30,
        what="systemd to restart the killed health daemon",
    )
    assert int(m.sh("systemctl show -P NRestarts djops-health").stdout.strip()) == restarts + 1
    [said] = wait_for(lambda: events(m, "demo", "health.daemon_restarted", since))
    assert said["PRIORITY"] == "2"
    wait_mail(m, "ALERT djops-health.service restarted", after=before)
    started = float(now(m))
    wait_for(
        lambda: json.loads(m.sh("cat /var/lib/djops/health-demo.json").stdout)["updated"] > started,
        what="rounds after the restart",
    )


SIDE = "side"  # a second, cheap project: the demo's code on its own port


# every djops unit of the host, and a job's service systemd never loaded,
# read over D-Bus as the health rounds (UTC) and the screens (the host's zone) do
SAME_AS_SYSTEMCTL = """
import subprocess
from djops.health.project_round import SERVICE_PROPERTIES, TIMER_PROPERTIES
from djops.project import running, status
from djops.systemd import dbus_state
listed = subprocess.run(
    ["systemctl", "list-units", "--all", "--plain", "--no-legend", "djops*", "demo.service"],
    capture_output=True, text=True, check=True,
).stdout
names = [ln.split()[0] for ln in listed.splitlines() if ln.strip()]
names.append("djops-job@demo:never-ran.service")
props = list(dict.fromkeys([*SERVICE_PROPERTIES, *TIMER_PROPERTIES, *status.PROPS, *running.PROPS]))
for utc in (True, False):
    conn = dbus_state.connect()
    assert conn is not None, "PID 1's private socket answers root"
    over = dbus_state.show(conn, {n: props for n in names}, utc)
    conn.close()
    for n in names:
        out = subprocess.run(
            ["systemctl", "show", *(["--timestamp=utc"] if utc else []),
             "-p", ",".join(["Id", *props]), "--", n],
            capture_output=True, text=True, check=True,
        ).stdout
        want = dict(ln.split("=", 1) for ln in out.splitlines() if "=" in ln)
        assert over[n] == want, (utc, n, over[n], want)
print(len(names), "units the same")
"""


def test_pid1_over_dbus_answers_as_systemctl_does(machine):
    machine.put("/root/same-as-systemctl.py", SAME_AS_SYSTEMCTL)
    out = machine.sh("python3 /root/same-as-systemctl.py").stdout
    assert int(out.split()[0]) > 8, out


def test_a_rejected_settings_file_in_one_project_stops_no_other_projects_rounds(machine):
    m = machine
    m.sh(f"sh /root/demo-src/deploy.sh {SIDE} {SIDE} 8040 /opt/demo/venv", timeout=300)
    m.put(
        f"/etc/djops/{SIDE}.toml",
        '[project]\nvenv = "/opt/demo/venv"\n[health]\ninterval_seconds = 1\n'
        'url = "http://127.0.0.1:8040/"\n[clearsessions]\nschedule = "*-*-* 03:30"\n',
    )
    settings = "/etc/opt/demo/settings.py"
    others = watching(m)
    try:
        m.sh(f"djops enable {SIDE}")
        wait_for(lambda: "http ok" in health_of(m, SIDE), what="the second project's rounds")
        # STATUS= follows the round that wrote the state file, a moment later
        wait_for(lambda: watching(m) == others + 1, timeout=5, what="STATUS= of two projects")
        since = now(m)
        m.sh(f"cp -p {settings} /root/settings.keep && echo 'this is not python' >> {settings}")
        wait_for(lambda: events(m, "demo", "reload.rejected", since), timeout=60)
        start = float(now(m))
        updated = {
            p: lambda p=p: json.loads(m.sh(f"cat /var/lib/djops/health-{p}.json").stdout)["updated"]
            for p in ("demo", SIDE)
        }
        wait_for(
            lambda: all(u() > start + 2 for u in updated.values()), what="both projects' rounds"
        )
        assert "http ok" in health_of(m, SIDE) and "http ok" in health_of(m, "demo")
        assert not events(m, SIDE, "health.overrun", since)
    finally:
        restored = now(m)
        m.sh(f"cp -p /root/settings.keep {settings}", check=False)
        m.sh(f"djops disable {SIDE}; systemctl stop {SIDE}.service", check=False)
    wait_for(lambda: watching(m) == others, what="the disabled project dropped")
    # the good file is applied (a restart of demo.service) before the next test
    wait_for(lambda: events(m, "demo", "reload.applied", restored), timeout=60, what="restore")


# the ladder a few rounds longer than the failure handler takes to start, as
# at the default interval (60 s): its mail comes first and opens the incident
SLOWER = CONFIG.replace("alert_after = 2", "alert_after = 5").replace(
    "restart_after = 3", "restart_after = 6"
)


def test_a_killed_gunicorn_is_one_incident_one_alert_one_recovery_threaded(machine):
    """Issue 30.1/30.7: kill -9 of gunicorn fails service and http together:
    one incident (degraded, alert, the one restart, recovered) and exactly two
    mails: systemd's OnFailure= mail of demo.service, at once, with its status
    and journal (the incident's alert: health logs its alert but does not mail
    it again), and the recovery, answering it. The restart is djops' own
    doing: gunicorn coming back is no second failure."""
    m = machine
    m.put("/etc/djops/demo.toml", SLOWER)
    m.sh("djops enable demo")
    since, before = now(m), len(mails(m))
    pid = m.sh("systemctl show -P MainPID demo.service").stdout.strip()
    assert pid not in ("", "0")
    try:
        m.sh(f"kill -9 {pid}")  # gunicorn has no Restart=: it stays down until djops acts
        [restarted] = wait_for(
            lambda: events(m, "demo", "health.restarted", since), timeout=30, what="restart"
        )
        assert restarted["PRIORITY"] == "2" and "service" in restarted["DJOPS_CHECK"].split(",")
        incident = restarted["DJOPS_INCIDENT"]
        # the queued restart runs once systemd has the old gunicorn stopped; a
        # unit stuck in stop-sigterm can hold it until TimeoutStopSec (90 s)
        [recovered] = wait_for(lambda: events(m, "demo", "health.recovered", since), timeout=120)
    finally:
        m.put("/etc/djops/demo.toml", CONFIG)
        m.sh("djops enable demo")
    assert recovered["DJOPS_INCIDENT"] == incident
    assert m.sh("systemctl is-active demo.service").stdout.strip() == "active"
    steps = [
        (e["DJOPS_EVENT"], int(e["PRIORITY"]))
        for e in m.journal(f"--since=@{since}", "DJOPS_PROJECT=demo", "SYSLOG_IDENTIFIER=djops")
        if e.get("DJOPS_EVENT", "").startswith("health.")
    ]
    assert steps == [
        ("health.degraded", 4),
        ("health.alert", 3),
        ("health.restarted", 2),
        ("health.recovered", 5),
    ], steps
    said = m.journal(f"--since=@{since}", "DJOPS_PROJECT=demo", f"DJOPS_INCIDENT={incident}")
    assert len(said) == 4 and restarted["DJOPS_CAUSE"] == "service", said
    queue_run(m)
    wait_mail(m, "recovered ", after=before)
    time.sleep(3)  # rounds every second: a second incident, a reminder would be here by now
    queue_run(m)
    ours = [x for x in mails(m)[before:] if "demo@" in str(x["Subject"])]
    assert [x["X-Djops-Kind"] for x in ours] == ["failure", "recovery"], [
        str(x["Subject"]) for x in ours
    ]
    failed, recovery = ours
    assert str(failed["Subject"]).endswith(": demo.service failed")
    assert ": recovered " in str(recovery["Subject"]) and "service" in str(recovery["Subject"])
    assert str(failed["Message-ID"]).startswith("<djops.demo.failed-")
    assert failed["In-Reply-To"] is None
    assert recovery["In-Reply-To"] == failed["Message-ID"] == recovery["References"]
    body = failed.get_content()
    assert "signal=KILL" in body and "Journal of the failed run" in body
    assert "mails the recovery as an answer to this mail" in body
    assert f"Incident {incident}, since " in recovery.get_content()
    said = [
        (e["DJOPS_UNIT"], e["MESSAGE"][:300], e.get("_SYSTEMD_UNIT"), e["__REALTIME_TIMESTAMP"])
        for e in events(m, "demo", "unit.failed", since)
    ]
    assert said and {u for u, *_ in said} == {"demo.service"}, said
    assert m.sh("ls /var/lib/djops/thread-demo.json", check=False).returncode != 0, "closed"


def test_heartbeat_by_hand_is_delivered(machine):
    since, before = now(machine), len(mails(machine))
    out = machine.sh("djops heartbeat demo")
    assert "heartbeat of demo" in out.stdout
    [beat] = wait_mail(machine, ": heartbeat", after=before)
    assert beat["Auto-Submitted"] == "auto-generated"
    text = beat.get_content()
    assert "Health checks (run now):" in text and "clearsessions" in text
    assert "Last reload:" in text
    assert events(machine, "demo", "heartbeat.sent", since)


def test_mail_waits_in_dmas_queue_while_the_smarthost_is_down(machine):
    machine.sh("systemctl stop smtp-sink")
    before = len(mails(machine))
    machine.sh("djops heartbeat demo")
    wait_for(
        lambda: machine.sh("ls /var/spool/dma | grep -c ^Q", check=False).stdout.strip() != "0",
        what="the mail in dma's queue",
    )
    machine.sh("systemctl start smtp-sink")
    machine.sh("for i in $(seq 50); do ss -ltn | grep -q ':2525 ' && exit 0; sleep 0.1; done")
    queue_run(machine)
    wait_for(lambda: len(mails(machine)) > before, what="delivery after the sink returned")
    assert "djops-mailqueue.timer" in machine.sh("systemctl list-timers --no-legend").stdout


def test_without_sendmail_mail_is_kept_logged_crit_and_delivered_later(machine):
    since = now(machine)
    before = len(mails(machine))
    machine.sh("mv /usr/sbin/sendmail /usr/sbin/sendmail.away")
    try:
        machine.sh("djops heartbeat demo")
        [failed] = wait_for(lambda: events(machine, "demo", "mail.failed", since))
        assert failed["PRIORITY"] == "2"
        assert "not found" in failed["DJOPS_REASON"]
        assert machine.sh("ls /var/lib/djops/outbox/ | grep -c json").stdout.strip() == "1"
    finally:
        machine.sh("mv /usr/sbin/sendmail.away /usr/sbin/sendmail")
    time.sleep(31)  # the first retry is due after 30 s
    queue_run(machine)
    wait_for(lambda: len(mails(machine)) > before, what="the kept mail")
    assert machine.sh("ls /var/lib/djops/outbox/ | grep -c json", check=False).stdout.strip() == "0"
    assert sum(": heartbeat" in s for s in subjects(machine)[before:]) == 1, "sent exactly once"


MAIL_GIVE_UP = "/etc/systemd/system/djops-mailqueue.service.d/give-up.conf"
GIVEN_UP = "/var/lib/djops/outbox/given-up"


def test_mail_undelivered_past_the_give_up_time_is_kept_aside_said_crit_and_goes_when_moved_back(
    machine,
):
    """Issue 30.5: the outbox gives up loudly and loses nothing: the mail
    leaves the retried queue for given-up/, notify.dropped says so at crit
    with the `mv` that puts it back, and once moved back it is delivered."""
    m = machine
    m.sh(f"mkdir -p {MAIL_GIVE_UP.rsplit('/', 1)[0]}")
    m.put(MAIL_GIVE_UP, "[Service]\nEnvironment=DJOPS_GIVE_UP_SECONDS=20\n")
    m.sh("systemctl daemon-reload")
    since, before = now(m), len(mails(m))
    m.sh("mv /usr/sbin/sendmail /usr/sbin/sendmail.away")
    try:
        m.sh("djops heartbeat demo")
        wait_for(lambda: events(m, "demo", "mail.failed", since), what="the failed try")
        time.sleep(21)  # past the give-up time of 20 s
        queue_run(m)
        [dropped] = wait_for(lambda: events(m, "demo", "notify.dropped", since), timeout=60)
        assert dropped["PRIORITY"] == "2" and dropped["DJOPS_COUNT"] == "1", dropped
        assert dropped["DJOPS_KEPT"] == GIVEN_UP, dropped
        assert f"mv {GIVEN_UP}/*.json /var/lib/djops/outbox/" in dropped["MESSAGE"], dropped
        assert m.sh(f"ls {GIVEN_UP} | grep -c json", check=False).stdout.strip() == "1"
        assert m.sh("ls /var/lib/djops/outbox/ | grep -c json", check=False).stdout.strip() == "0"
        assert "given up" in m.sh("djops check demo", check=False).stdout
    finally:
        m.sh("mv /usr/sbin/sendmail.away /usr/sbin/sendmail", check=False)
    try:
        assert len(mails(m)) == before, "nothing was delivered meanwhile"
        # moved back past its give-up time, it starts a new one and is tried at once
        m.sh(f"mv {GIVEN_UP}/*.json /var/lib/djops/outbox/")
        queue_run(m)
        wait_for(lambda: len(mails(m)) > before, what="the mail moved back")
        assert sum(": heartbeat" in s for s in subjects(m)[before:]) == 1, "sent exactly once"
        assert m.sh(f"ls {GIVEN_UP} | grep -c json", check=False).stdout.strip() == "0"
    finally:
        m.sh(f"rm -r {MAIL_GIVE_UP.rsplit('/', 1)[0]} && systemctl daemon-reload", check=False)


def test_a_failed_clearsessions_run_mails_its_journal_excerpt(machine):
    since, before = now(machine), len(mails(machine))
    machine.sh(f"chmod 000 {DB}")
    try:
        machine.sh("djops clearsessions demo", check=False)
    finally:
        machine.sh(f"chmod 640 {DB}")
    [mail] = wait_mail(machine, ": djops-clearsessions@demo.service failed", after=before)
    body = mail.get_content()
    assert "clearsessions of demo failed" in body
    assert events(machine, "demo", "unit.failed", since)


def test_a_hung_health_daemon_is_restarted_by_the_watchdog(machine):
    machine.sh("systemctl reset-failed djops-health")  # the kill -9 above counts to the start limit
    pid = machine.sh("systemctl show -P MainPID djops-health").stdout.strip()
    machine.sh(f"kill -STOP {pid}")
    wait_for(
        lambda: (
            machine.sh("systemctl show -P MainPID djops-health").stdout.strip() not in ("0", pid)
        ),
        timeout=60,
        what="the watchdog to replace the stopped health daemon",
    )
    assert "Watchdog timeout" in machine.sh("journalctl -u djops-health --no-pager").stdout


def test_the_heartbeat_runs_the_checks_it_reports(machine):
    """Issue 19.7: a heartbeat right after a clearsessions run said
    "clearsessions ok  no successful run yet" above "Last clearsessions: ...
    done here": its checks were the health service's last round, taken
    before. Here that round is an hour apart, and the site is stopped after
    it: only checks run for the heartbeat can see either."""
    m = machine
    m.put("/etc/djops/demo.toml", CONFIG.replace("interval_seconds = 1", "interval_seconds = 3600"))
    since = float(now(m))
    m.sh("djops enable demo")
    wait_for(
        lambda: json.loads(m.sh("cat /var/lib/djops/health-demo.json").stdout)["updated"] > since,
        what="the one round of the restarted health daemon",
    )
    before = len(mails(m))
    try:
        assert "removed " in m.sh("djops clearsessions demo").stdout
        m.sh("systemctl stop demo.service")
        m.sh("djops heartbeat demo")
        [beat] = wait_mail(m, ": heartbeat", after=before)
    finally:
        m.sh("systemctl start demo.service")
        m.put("/etc/djops/demo.toml", CONFIG)
        m.sh("djops enable demo")
    text = beat.get_content()
    assert "  service        FAILING  demo.service inactive (dead)" in text, text
    [line] = [ln for ln in text.splitlines() if ln.startswith("  clearsessions ")]
    assert re.match(r"  clearsessions  ok +last run \d+(\.\d+)? s ago", line), text
    assert "Last clearsessions: " in text and " done here (" in text
    assert "has not checked" not in text, text


def test_no_mail_and_no_journal_line_carries_a_secret(machine):
    settings = machine.sh("cat /etc/opt/demo/settings.py").stdout
    secret_key = settings.split("SECRET_KEY = ")[1].split("\n")[0].strip("\"'")
    assert len(secret_key) > 20
    everything = machine.sh("journalctl -o json --no-pager").stdout
    everything += "".join(m.as_string() for m in mails(machine))
    for secret in (secret_key, "hunter2"):
        assert secret not in everything
    assert mails(machine), "the earlier tests of this file sent mail to search"


def test_project_code_never_outlives_the_learn_step_in_a_root_unit(machine):
    """Issue 28.5: settings that leave a process behind (here only in djops'
    own workers) leave nothing in a root unit: the learn step runs in a
    transient unit of its own, killed whole when the step ends."""
    m = machine
    settings = "/etc/opt/demo/settings.py"
    m.sh(f"cp -p {settings} /root/settings.keep")
    leftover = (
        "\nimport subprocess as _sp, sys as _sys\n"
        "if _sys.argv[0].endswith('inproject/__main__.py'):\n"
        "    _sp.Popen(['sleep', '617'], start_new_session=True, stdin=_sp.DEVNULL,\n"
        "              stdout=_sp.DEVNULL, stderr=_sp.DEVNULL)  # a daemon, detached\n"
    )
    try:
        since = now(m)
        m.sh(f"cat >> {settings} <<'EOF'\n{leftover}EOF")
        wait_for(lambda: events(m, "demo", "reload.applied", since), timeout=60)
        m.sh("djops check demo", check=False)  # the control: from root's shell, it stays
        assert sleepers(m), "the settings leave a process behind"
        m.sh("kill " + " ".join(sleepers(m)))
        m.sh("djops enable demo")  # the learn step
        time.sleep(2)
        assert sleepers(m) == [], "nothing outlives the learn step"
    finally:
        since = now(m)
        m.sh(f"cp -p /root/settings.keep {settings}")
        wait_for(lambda: events(m, "demo", "reload.applied", since), timeout=60)
        if left := sleepers(m):
            m.sh("kill " + " ".join(left), check=False)


def sleepers(m) -> list[str]:
    """PIDs of `sleep 617` (no pgrep: procps may not be installed)."""
    return m.sh(
        'python3 -c "import os\n'
        "for p in filter(str.isdigit, os.listdir('/proc')):\n"
        "    try:\n"
        "        c = open(f'/proc/{p}/cmdline', 'rb').read()\n"
        "    except OSError:\n"
        "        continue\n"
        "    if c == b'sleep\\x00617\\x00': print(p)\""
    ).stdout.split()
