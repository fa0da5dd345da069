"""The demo project on Debian's own PostgreSQL and MariaDB servers, in the
booted machine: clearsessions in batches, the session-table checklist, the
`database` health check up the ladder and back, and a wrong password in new
settings refused by the reload while the site keeps serving. No password
ever reaches the journal, a mail or a command's output.
"""

import hashlib
import json
import re
import time

import pytest
from helpers import events, health_of, now, queue_run, wait_for, wait_mail
from provision import mails

SETTINGS = "/etc/opt/demo/settings.py"
ORIGINAL = "/root/settings.sqlite.py"
CONFIG = """[watch]
debounce_seconds = 1.0
[health]
interval_seconds = 1
url = "http://127.0.0.1:8000/"
warn_after = 1
alert_after = 2
restart_after = 3
[clearsessions]
schedule = "*-*-* 03:30"
batch_size = 500
"""
# the health check GETs /visit, which saves a session: the site needs its database
ON_THE_DATABASE = CONFIG.replace("127.0.0.1:8000/", "127.0.0.1:8000/visit")
SERVICE_RUN = "systemctl show --value -p MainPID -p InvocationID demo.service"
MANAGE = (
    "cd /opt/demo && runuser -u demo -- env PYTHONPATH=/etc/opt/demo:/opt/demo "
    "DJANGO_SETTINGS_MODULE=settings /opt/demo/venv/bin/python manage.py "
)


class Server:
    """One database server: how to start it, make the project's database,
    and speak SQL to it as its superuser."""

    def __init__(self, vendor, unit, password, database, create, sql, insert, header=""):
        self.vendor, self.unit, self.password = vendor, unit, password
        self.database, self.create, self.sql_cmd = database, create, sql
        self.insert, self.header = insert, header

    def sql(self, m, query: str) -> str:
        return m.sh(self.sql_cmd.format(q=query.replace('"', '\\"'))).stdout.strip()

    def stop(self, m) -> None:
        """Debian 12's MariaDB is socket-activated: a connect would start it again."""
        m.sh(f"systemctl stop {self.unit}.socket {self.unit} || systemctl stop {self.unit}")

    def settings(self, m, password: str) -> str:
        original = m.sh(f"cat {ORIGINAL}").stdout
        db = dict(self.database, PASSWORD=password)
        return f"{self.header}{original}\nDATABASES = {{'default': {json.dumps(db)}}}\n"


SERVERS = {
    "postgresql": Server(
        "postgresql",
        "postgresql",
        "pg-Dj0ps-s3cret-7741",
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "demo",
            "USER": "demo",
            "HOST": "127.0.0.1",
            "PORT": "5432",
        },
        "runuser -u postgres -- psql -q -c \"CREATE ROLE demo LOGIN PASSWORD '{pw}'\" "
        '-c "CREATE DATABASE demo OWNER demo"',
        'runuser -u postgres -- psql -Atq demo -c "{q}"',
        # {n} rows, expiring {sign}i seconds from now
        "INSERT INTO django_session SELECT '{sign}' || i, 'e30', "
        "now() + ({sign}i + {shift}) * interval '1 second' FROM generate_series(1, {n}) i",
    ),
    "mariadb": Server(
        "mysql",
        "mariadb",
        "mdb-Dj0ps-s3cret-8852",
        {
            "ENGINE": "django.db.backends.mysql",
            "NAME": "demo",
            "USER": "demo",
            "OPTIONS": {"unix_socket": "/run/mysqld/mysqld.sock"},
        },
        "mariadb -e \"CREATE DATABASE demo; CREATE USER demo@localhost IDENTIFIED BY '{pw}'; "
        'GRANT ALL ON demo.* TO demo@localhost"',
        'mariadb -N -B demo -e "{q}"',
        "INSERT INTO django_session SELECT CONCAT('{sign}', seq), 'e30', "
        "UTC_TIMESTAMP() + INTERVAL ({sign}seq + {shift}) SECOND FROM seq_1_to_{n}",
        # the demo's venv has PyMySQL, which stands in for mysqlclient
        "import pymysql\npymysql.install_as_MySQLdb()\n",
    ),
}
WRONG_PASSWORD = "Wr0ng-pw-never-shown-3319"
OUTPUT: list[str] = []  # every command's output, searched for passwords at the end


def djops(m, args: str, check: bool = True):
    r = m.sh(f"djops {args}", check=check)
    OUTPUT.append(r.stdout + r.stderr)
    return r


def apply_settings(m, text: str, event: str = "reload.applied") -> dict:
    since = now(m)
    m.put(SETTINGS, text, mode=0o640)
    m.sh(f"chown root:demo {SETTINGS}")
    [entry] = wait_for(lambda: events(m, "demo", event, since), timeout=60, what=event)
    return entry


def failing(m, check: str) -> int:
    """How many rounds in a row `check` has failed, from the health status line."""
    status = health_of(m, "demo")
    if f"{check} ok" in status:
        return 0
    found = re.search(rf"{check} FAILING x(\d+)", status)
    return int(found.group(1)) if found else -1


def counts(m, server: Server) -> tuple[int, int]:
    out = server.sql(
        m,
        "SELECT count(*) FROM django_session WHERE expire_date < "
        + ("now()" if server.vendor == "postgresql" else "UTC_TIMESTAMP()"),
    )
    total = int(server.sql(m, "SELECT count(*) FROM django_session"))
    return int(out), total - int(out)


@pytest.fixture(scope="module", params=list(SERVERS))
def server(machine, request):
    s = SERVERS[request.param]
    m = machine
    m.sh(f"test -e {ORIGINAL} || cp -p {SETTINGS} {ORIGINAL}")
    m.put("/etc/djops/demo.toml", CONFIG)
    djops(m, "enable demo")
    m.sh(f"systemctl start {s.unit}")
    m.sh(s.create.format(pw=s.password))
    m.state["since"] = m.state.get("since") or now(m)
    apply_settings(m, s.settings(m, s.password))
    m.sh(MANAGE + "migrate --noinput -v0")
    yield s
    apply_settings(m, m.sh(f"cat {ORIGINAL}").stdout)
    s.stop(m)


def test_the_reload_learned_where_the_database_listens(machine, server):
    learned = json.loads(machine.sh("cat /var/lib/djops/database-demo.json").stdout)
    assert learned["vendor"] == server.vendor
    machine.sh("systemctl restart djops-health")
    wait_for(
        lambda: "database ok" in health_of(machine, "demo"),
        what="the database check in the health status line",
    )


def test_clearsessions_removes_only_expired_rows_in_batches(machine, server):
    server.sql(machine, server.insert.format(n=3000, sign="-", shift=0))
    server.sql(machine, server.insert.format(n=40, sign="+", shift=86400))
    assert counts(machine, server) == (3000, 40)
    since = now(machine)
    out = djops(machine, "clearsessions demo").stdout
    assert "removed 3000 expired sessions of demo" in out and f"on {server.vendor}" in out
    assert counts(machine, server) == (0, 40)
    [entry] = events(machine, "demo", "clearsessions.done", since)
    assert entry["DJOPS_ROWS"] == "3000" and entry["DJOPS_DATABASE"] == server.vendor
    assert int(entry["DJOPS_BATCHES"]) >= 6, "batch_size = 500: at least 6 transactions"
    assert float(entry["DJOPS_LONGEST"]) < 1.0
    # the result is root's post step's, from systemd's record; the run was the project user's
    assert entry["_UID"] == "0" and entry["_SYSTEMD_UNIT"] == "djops-clearsessions@demo.service"
    assert machine.sh("systemctl show -P User djops-clearsessions@demo.service").stdout.strip() == (
        "demo"
    )


HOLD_A_ROW = """BEGIN;
SELECT session_key FROM django_session WHERE session_key = '-1500' FOR UPDATE;
SELECT pg_sleep(60);
COMMIT;
"""


def test_a_row_a_request_holds_is_stepped_around_not_waited_for(machine, server):
    """PostgreSQL: a batch meeting a row locked by a request (as a request
    saving that session holds it) waits at most the lock timeout, then
    deletes the rest of its range with FOR UPDATE SKIP LOCKED; the held row is
    left for the next run. (MariaDB has no SKIP LOCKED for a range: there a
    batch waits innodb_lock_wait_timeout and is retried at half the size.)"""
    if server.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; MariaDB's lock waits are retried")
    m = machine
    server.sql(m, server.insert.format(n=2000, sign="-", shift=0))
    expired, live = counts(m, server)
    assert expired == 2000
    m.put("/var/tmp/hold.sql", HOLD_A_ROW, mode=0o644)  # psql runs as postgres
    m.sh("systemd-run --unit=rowholder runuser -u postgres -- psql -q demo -f /var/tmp/hold.sql")
    try:
        wait_for(
            lambda: (
                server.sql(
                    m, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"
                )
                == "1"
            ),
            what="the row held",
        )
        started = time.monotonic()
        out = djops(m, "clearsessions demo").stdout
        took = time.monotonic() - started
        assert "removed 1999 expired sessions of demo" in out, out
        assert "stepped around rows a request held" in out, out
        assert counts(m, server) == (1, live)
        assert took < 30, f"the run waited for the held row: {took:.1f} s"
    finally:  # the server's backend sleeps on without its client: end it there
        server.sql(
            m,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'SELECT pg_sleep%'",
        )
        m.sh("systemctl stop rowholder; systemctl reset-failed rowholder", check=False)
    assert "removed 1 expired session of demo" in djops(m, "clearsessions demo").stdout


CLAIMS = """
import json, os, signal, sys, threading
from djops import config
from djops.jobs import claim
cfg, out = config.load("demo"), {}
first = claim.start(cfg, "--job", "demo:lock", "--host", "app1", "--window", "0")
out["first"] = first.decision
second = claim.start(cfg, "--job", "demo:lock", "--host", "app2", "--window", "0")
second.end(None)
out["while_held"] = second.decision
os.kill(first.proc.pid, signal.SIGKILL)  # a run that dies: its connection goes
first.proc.wait()
after = claim.start(cfg, "--job", "demo:lock", "--host", "app2", "--window", "0")
out["after_kill"] = after.decision
after.end(0)
go, raced = threading.Barrier(2), {}
def one(host):
    go.wait()
    held = claim.start(cfg, "--job", "demo:race", "--host", host, "--window", "3600")
    raced[host] = held.decision
    held.end(0)
threads = [threading.Thread(target=one, args=(h,)) for h in ("app1", "app2")]
[t.start() for t in threads]
[t.join() for t in threads]
out["race"] = raced
print(json.dumps(out))
"""


def test_claims_lock_on_the_server_and_two_racing_hosts_give_one_run(machine, server):
    """Once per fleet on the real server: the advisory lock (GET_LOCK) keeps a
    second host out while a run holds it, a run killed with -9 leaves no lock
    behind, and two claimers racing in threads give exactly one run."""
    machine.put("/root/claims.py", CLAIMS)
    out = json.loads(machine.sh("python3 /root/claims.py").stdout)
    assert out["first"]["run"] is True, out
    held = out["while_held"]
    assert held["run"] is False and held["running"] is True and held["holder"] == "app1"
    assert out["after_kill"]["run"] is True, "the killed run left its lock behind"
    ran = [h for h, d in out["race"].items() if d["run"]]
    assert len(ran) == 1, out["race"]
    [loser] = [d for d in out["race"].values() if not d["run"]]
    assert loser["holder"] == ran[0]
    rows = server.sql(machine, "SELECT job, host FROM djops_claim ORDER BY job")
    assert rows.split("\n") == ["demo:lock\tapp2", f"demo:race\t{ran[0]}"] or rows.split("\n") == [
        "demo:lock|app2",
        f"demo:race|{ran[0]}",
    ]
    OUTPUT.append(json.dumps(out))
    purged = djops(machine, "disable demo --purge-db").stdout
    assert "removed 2 claims of demo from its database; the table djops_claim dropped" in purged
    djops(machine, "enable demo")


IDLE = {  # the server ends a connection idle for 2 s
    "postgresql": (
        "ALTER ROLE demo SET idle_session_timeout = '2s'",
        "ALTER ROLE demo RESET idle_session_timeout",
    ),
    "mysql": ("SET GLOBAL wait_timeout = 2", "SET GLOBAL wait_timeout = 28800"),
}
HOLD = """
import sys, time
from djops import config
from djops.jobs import claim
cfg = config.load("demo")
for job, keepalive in (("demo:quiet", "100"), ("demo:alive", "0.5")):
    held = claim.start(cfg, "--job", job, "--host", "app1", "--window", "0", "--keepalive", keepalive)
    assert held.decision["run"], held.decision
    time.sleep(4)  # a run longer than the server lets a connection idle
    held.end(0)
"""


def test_a_long_run_keeps_its_claims_connection_alive(machine, server):
    """An idle connection is ended by the server (MariaDB's wait_timeout,
    PostgreSQL's idle_session_timeout), and the lock with it: the holder's
    query every --keepalive seconds keeps it, and the run's end is recorded."""
    short, reset = IDLE[server.vendor]
    server.sql(machine, short)
    try:
        machine.put("/root/hold.py", HOLD)
        machine.sh("python3 /root/hold.py")
    finally:
        server.sql(machine, reset)
    rows = server.sql(
        machine,
        "SELECT job, exit_status FROM djops_claim WHERE job IN ('demo:quiet', 'demo:alive') ORDER BY job",
    )
    got = dict(line.replace("|", "\t").split("\t") for line in rows.splitlines())
    assert got["demo:alive"] == "0", "the kept connection recorded the run's end"
    assert got["demo:quiet"] in ("", "NULL"), "without the keepalive the server ended it"
    server.sql(machine, "DELETE FROM djops_claim WHERE job IN ('demo:quiet', 'demo:alive')")


NIGHTLY = (
    CONFIG
    + """[jobs.nightly]
exec = ["/bin/true"]
schedule = "daily"
once = true
timeout_seconds = 60
"""
)
CLOCK = {"postgresql": "extract(epoch from clock_timestamp())", "mysql": "UNIX_TIMESTAMP(NOW(6))"}


def lock_holder(server) -> str:
    """Any session can take the claim's advisory lock: no privilege needed."""
    digest = hashlib.sha256(b"djops:demo:nightly").digest()
    if server.vendor == "postgresql":
        key = int.from_bytes(digest[:8], "big", signed=True)
        return (
            f"runuser -u postgres -- psql -q demo -c 'SELECT pg_advisory_lock({key})' "
            "-c 'SELECT pg_sleep(120)'"
        )
    name = "djops:" + digest.hex()[:40]
    return f"mariadb -e \"SELECT GET_LOCK('{name}', 0); SELECT SLEEP(120)\""


def timer_run(m) -> None:
    """A run its timer starts (systemd sets TRIGGER_UNIT): it claims. The
    job's own timer, made to fire a second after its restart."""
    unit, timer = "djops-job@demo:nightly.service", "djops-job@demo:nightly.timer"
    before = m.sh(f"systemctl show -P InvocationID {unit}").stdout.strip()
    # two restarts a call, and a run now decides in a tenth of a second: clear
    # the timer's start rate limit (5 starts in 10 s), which no user reaches
    m.put(
        f"/etc/systemd/system/{timer}.d/zz-now.conf",
        "[Timer]\nOnCalendar=\nRandomizedDelaySec=0\nOnActiveSec=1s\nAccuracySec=1ms\n",
    )
    try:
        m.sh(
            f"systemctl daemon-reload && systemctl reset-failed {timer}; systemctl restart {timer}"
        )
        wait_for(
            lambda: (
                m.sh(f"systemctl show -P InvocationID {unit}").stdout.strip() != before
                and m.sh(f"systemctl show -P ActiveState {unit}").stdout.strip()
                in ("inactive", "failed")
            ),
            what="the timer's run to end",
        )
    finally:
        m.sh(f"rm /etc/systemd/system/{timer}.d/zz-now.conf && systemctl daemon-reload")
        m.sh(f"systemctl reset-failed {timer}; systemctl restart {timer}")


def unit_log(m) -> str:
    return m.sh("journalctl -u 'djops-job@demo:nightly.service' -n 15 -o cat").stdout


def test_once_per_fleet_cannot_be_silenced_while_health_says_ok(machine, server):
    """The project user owns the claim table and anyone may take the lock: a
    claim from the future is taken over; a session holding the lock gets a
    skip that names no host; a holder holding past timeout_seconds fails the
    jobs check, which counts a skip only by a host's recorded success."""
    m = machine
    m.put("/etc/djops/demo.toml", NIGHTLY)
    djops(m, "enable demo")
    now_sql = CLOCK[server.vendor]
    try:
        since = now(m)
        timer_run(m)
        assert [e for e in events(m, "demo", "job.done", since) if e["DJOPS_JOB"] == "nightly"], (
            unit_log(m)
        )
        claimed = server.sql(m, "SELECT count(*) FROM djops_claim WHERE job = 'demo:nightly'")
        assert claimed == "1", "the timer's run claimed"
        server.sql(
            m,
            f"UPDATE djops_claim SET host = 'ghost', started = {now_sql} + 31536000, "
            "finished = NULL WHERE job = 'demo:nightly'",
        )
        since = now(m)
        timer_run(m)
        assert events(m, "demo", "job.skipped", since) == [], "a claim from the future was obeyed"
        assert [e for e in events(m, "demo", "job.done", since) if e["DJOPS_JOB"] == "nightly"]

        m.sh(f"systemd-run --unit=lockholder {lock_holder(server)}")
        time.sleep(1)
        since = now(m)
        timer_run(m)
        [skip] = events(m, "demo", "job.skipped", since) or [unit_log(m)]
        assert "a session holding the lock" in skip["DJOPS_HOLDER"], skip
        assert 0 <= float(skip["DJOPS_SUCCEEDED_AGO"]) < 300

        server.sql(
            m,
            f"UPDATE djops_claim SET host = 'ghost', started = {now_sql} - 600, "
            "finished = NULL WHERE job = 'demo:nightly'",
        )
        since = now(m)
        timer_run(m)
        [skip] = events(m, "demo", "job.skipped", since) or [unit_log(m)]
        assert skip["DJOPS_HOLDER"] == "ghost" and float(skip["DJOPS_HELD_FOR"]) >= 600
        degraded = wait_for(
            lambda: [
                e
                for e in events(m, "demo", "health.degraded", since)
                if "jobs" in e.get("DJOPS_CHECK", "").split(",")
            ],
            what="the jobs check failing",
            explain=lambda: (
                m.sh(
                    f"echo since {since}; journalctl --since=@{float(since) - 60} -o short-precise "
                    "DJOPS_PROJECT=demo + _SYSTEMD_UNIT=djops-health.service "
                    "+ '_SYSTEMD_UNIT=djops-job@demo:nightly.service' | tail -n 60",
                    check=False,
                ).stdout
            ),
        )
        message = degraded[0]["MESSAGE"]
        assert "ghost held the claim for" in message and "timeout of 60 s" in message, message
    finally:
        m.sh("systemctl stop lockholder", check=False)
        m.sh("systemctl reset-failed lockholder 'djops-job@demo:*'", check=False)
        server.sql(m, "DELETE FROM djops_claim WHERE job = 'demo:nightly'")
        m.put("/etc/djops/demo.toml", CONFIG)
        djops(m, "enable demo")


def test_a_dropped_expire_date_index_fails_the_check(machine, server):
    ok = djops(machine, "check demo", check=False).stdout
    assert "can connect to the" in ok and "django_session has an index on expire_date" in ok
    if server.vendor == "postgresql":
        assert "django_session: " in ok and re.search(r"\d+ dead rows? \(", ok), ok
        index = server.sql(
            machine,
            "SELECT indexname FROM pg_indexes WHERE tablename = 'django_session' "
            "AND indexdef LIKE '%(expire_date)'",
        )
        server.sql(machine, f"DROP INDEX {index}")
    else:
        index = server.sql(
            machine,
            "SELECT index_name FROM information_schema.statistics WHERE table_schema = 'demo' "
            "AND table_name = 'django_session' AND column_name = 'expire_date'",
        )
        server.sql(machine, f"DROP INDEX {index} ON django_session")
    r = djops(machine, "check demo", check=False)
    assert r.returncode == 1
    [line] = [ln for ln in r.stdout.splitlines() if "no index on expire_date" in ln]
    assert line.lstrip().startswith("FAIL  sessions")
    advice = line.split("recreate it: ", 1)[1]
    server.sql(machine, advice)  # the advice, taken as given, repairs it
    assert (
        "django_session has an index on expire_date" in djops(machine, "check demo", False).stdout
    )


def test_a_stopped_server_climbs_the_ladder_without_restarting_the_site(machine, server):
    """The database down and the site answering 500 for it are one incident
    whose cause is the database (issue 30.1): it climbs the ladder and never
    restarts the site (issue 19.6), even well past restart_after (http GETs
    /visit, which writes a session). gunicorn keeps its process and
    invocation; one alert and one recovery name both checks."""
    m = machine
    m.put("/etc/djops/demo.toml", ON_THE_DATABASE)
    djops(m, "enable demo")
    wait_for(lambda: failing(m, "http") == 0 == failing(m, "database"), what="a healthy round")
    since, before = now(m), len(mails(m))
    gunicorn = m.sh(SERVICE_RUN).stdout.split()
    server.stop(m)
    try:
        alert = wait_for(
            lambda: [
                e
                for e in events(m, "demo", "health.alert", since)
                if e.get("DJOPS_CAUSE") == "database"
            ],
            timeout=30,
            what="the database alert",
        )
        assert alert[0]["PRIORITY"] == "3"
        # well past restart_after (3): no restart of gunicorn heals a database
        wait_for(lambda: min(failing(m, "http"), failing(m, "database")) >= 5, what="five rounds")
        assert events(m, "demo", "health.restarted", since) == []
        assert m.sh(SERVICE_RUN).stdout.split() == gunicorn
        [held] = events(m, "demo", "health.restart_held", since)
        assert held["DJOPS_CAUSE"] == "database" and held["PRIORITY"] == "2"
        assert "http" in held["DJOPS_CHECK"].split(",")
        assert held["DJOPS_INCIDENT"] == alert[0]["DJOPS_INCIDENT"]
        assert "HTTP 500; cause: check database, which a restart" in held["MESSAGE"]
        # the alert names the checks failing in its round: database, and http
        # once a worker has met the stopped server (it may be a round later)
        checks = alert[0]["DJOPS_CHECK"].split(",")
        assert checks[0] == "database" and set(checks) <= {"database", "http"}, checks
        queue_run(m)
        [mail] = wait_mail(m, f"ALERT {', '.join(checks)} failing", after=before)
        body = mail.get_content()
        assert server.vendor in body and "cause: database" in body
        assert "HTTP 500" in body or "http" not in checks, body
    finally:
        m.sh(f"systemctl start {server.unit}")
    try:
        [back] = wait_for(
            lambda: events(m, "demo", "health.recovered", since), timeout=30, what="recovered"
        )
        assert back["DJOPS_INCIDENT"] == alert[0]["DJOPS_INCIDENT"]
        assert events(m, "demo", "health.restarted", since) == []
        assert m.sh(SERVICE_RUN).stdout.split() == gunicorn
        queue_run(m)
        [recovery] = wait_mail(m, "recovered database, http", after=before)
        assert recovery["In-Reply-To"] == mail["Message-ID"]
    finally:
        m.put("/etc/djops/demo.toml", CONFIG)
        djops(m, "enable demo")


def test_a_wrong_password_is_rejected_and_the_site_keeps_serving(machine, server):
    pid = machine.sh("systemctl show -P MainPID demo.service").stdout.strip()
    serving = machine.sh("curl -fsS http://127.0.0.1:8000/").stdout
    assert "marker=" in serving
    rejected = apply_settings(
        machine, server.settings(machine, WRONG_PASSWORD), event="reload.rejected"
    )
    assert "refused the login" in rejected["MESSAGE"], rejected["MESSAGE"]
    assert machine.sh("systemctl show -P MainPID demo.service").stdout.strip() == pid
    assert machine.sh("curl -fsS http://127.0.0.1:8000/").stdout == serving
    r = djops(machine, "reload demo", check=False)
    assert r.returncode == 1 and "refused the login" in r.stderr
    apply_settings(machine, server.settings(machine, server.password))
    # restart mode: applied once systemd started gunicorn, which binds a moment later
    visit = wait_for(
        lambda: machine.sh("curl -fsS http://127.0.0.1:8000/visit", check=False).stdout,
        timeout=30,
        what="the restarted site",
    )
    assert "visits=1" in visit


def test_no_password_leaves_in_the_journal_mail_or_output(machine, server):
    journal = machine.sh(f"journalctl --no-pager -o export --since=@{machine.state['since']}")
    mail = "".join(x.as_string() for x in mails(machine))
    for secret in (server.password, WRONG_PASSWORD):
        assert secret not in journal.stdout, f"{secret} in the journal"
        assert secret not in mail, f"{secret} in a mail"
        assert not [o for o in OUTPUT if secret in o], f"{secret} in djops' output"
