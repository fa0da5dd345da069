"""Several app servers, one database: three booted Debian 13 machines on one
private bridge (systemd-nspawn --network-zone=), two app hosts running the
demo project against PostgreSQL on the third. Both hosts' timers fire for
every occurrence of a job (once = true, the default): it runs on exactly one
of them and the other logs job.skipped naming it; a run killed with -9 leaves
no lock behind; with the host that ran it stopped, the other runs the next
ones. Pings reach a recording server on the database host once per run, never
from a host that skipped, and node-exporter shows the skips.

Debian 13 only: the fleet machinery is the same on Debian 12, whose single
host runs of the claim are in test_70 and test_75.
"""

import json
import os
import time

import pytest
from helpers import pings_received, start_ping_recorder, wait_for
from machine import Machine
from provision import deploy, install_deb, setup_mail

# several checkouts may run the suite at once (conftest's DJOPS_E2E_PREFIX):
# each gets its own machine names and bridge (vz-<zone>, at most 15 characters)
PREFIX = os.environ.get("DJOPS_E2E_PREFIX", "djops-e2e")
NAME = "djops-fleet" if PREFIX == "djops-e2e" else f"{PREFIX}-fleet"
ZONE = "djops" if PREFIX == "djops-e2e" else "dj" + "".join(c for c in PREFIX if c.isalnum())[:8]
DB_HOST, APP_HOSTS = (
    (f"{NAME}-db", "10.77.0.10"),
    (
        (f"{NAME}-app1", "10.77.0.11"),
        (f"{NAME}-app2", "10.77.0.12"),
    ),
)
PASSWORD = "fleet-Pg-s3cret-5521"
PERIOD = 20  # seconds between two occurrences of the job
CONFIG = f"""[health]
interval_seconds = 5
[clearsessions]
schedule = "*-*-* 03:30"
[jobs.tick]
exec = ["/bin/sh", "-c", "echo ran-on-$(hostname); sleep 4"]
schedule = "*:*:0/{PERIOD}"
ping_url = "http://{DB_HOST[1]}:8099/ping/tick"
"""
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "demo",
        "USER": "demo",
        "PASSWORD": PASSWORD,
        "HOST": DB_HOST[1],
        "PORT": "5432",
    }
}
MANAGE = (
    "cd /opt/demo && runuser -u demo -- env PYTHONPATH=/etc/opt/demo:/opt/demo "
    "DJANGO_SETTINGS_MODULE=settings /opt/demo/venv/bin/python manage.py "
)


def database_host(m: Machine) -> None:
    m.sh(
        "d=$(ls -d /etc/postgresql/*/main) && "
        "echo \"listen_addresses = '*'\" > $d/conf.d/fleet.conf && "
        'echo "host all all 10.77.0.0/24 scram-sha-256" >> $d/pg_hba.conf && '
        "systemctl start postgresql"
    )
    m.sh(
        f"runuser -u postgres -- psql -q -c \"CREATE ROLE demo LOGIN PASSWORD '{PASSWORD}'\" "
        '-c "CREATE DATABASE demo OWNER demo"'
    )
    start_ping_recorder(m, "0.0.0.0")


def app_host(m: Machine, deb, first: bool) -> None:
    setup_mail(m)
    deploy(m, "demo")
    settings = m.sh("cat /etc/opt/demo/settings.py").stdout
    m.put("/etc/opt/demo/settings.py", settings + f"\nDATABASES = {json.dumps(DATABASES)}\n")
    m.sh("chown root:demo /etc/opt/demo/settings.py && chmod 640 /etc/opt/demo/settings.py")
    if first:
        m.sh(MANAGE + "migrate --noinput -v0")
    m.sh("systemctl restart demo && systemctl start prometheus-node-exporter")
    install_deb(m, deb)


@pytest.fixture(scope="module")
def fleet(deb):
    hosts = "".join(f"{a} {n}\n" for n, a in (DB_HOST, *APP_HOSTS))
    machines = [Machine("trixie", n, zone=ZONE, address=a) for n, a in (DB_HOST, *APP_HOSTS)]
    try:
        for m in machines:
            m.boot()
            m.sh(f"printf '{hosts}' >> /etc/hosts")
        db, app1, app2 = machines
        database_host(db)
        app_host(app1, deb, first=True)
        app_host(app2, deb, first=False)
        for m in (app1, app2):
            m.put("/etc/djops/demo.toml", CONFIG)
        start = float(app1.sh("date +%s.%N").stdout)
        app1.sh("djops enable demo")
        app2.sh("djops enable demo")
        yield {"db": db, "apps": (app1, app2), "since": start}
    finally:
        for m in machines:
            m.shutdown() if os.environ.get("DJOPS_E2E_KEEP") else m.destroy()


def runs(m: Machine, since: float) -> list[dict]:
    """The job's ends on one host: done, failed or skipped, with its occurrence."""
    out = []
    for e in m.journal(f"--since=@{since:.3f}", "DJOPS_PROJECT=demo", "DJOPS_JOB=tick"):
        if e.get("DJOPS_EVENT") in ("job.done", "job.failed", "job.skipped"):
            at = int(e["__REALTIME_TIMESTAMP"]) / 1e6
            out.append({**e, "host": m.name, "occurrence": int(at // PERIOD)})
    return out


def by_occurrence(apps, since: float) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for m in apps:
        for e in runs(m, since):
            found.setdefault(e["occurrence"], []).append(e)
    return found


def wait_occurrences(apps, since: float, n: int) -> dict[int, list[dict]]:
    """Until `n` occurrences after the first have ended on every live host."""
    return wait_for(
        lambda: (f := by_occurrence(apps, since)) and len(f) > n and f,
        timeout=PERIOD * (n + 3),
        interval=2,
        what=f"{n} occurrences of the job",
    )


def test_each_occurrence_runs_on_exactly_one_host(fleet):
    apps, since = fleet["apps"], fleet["since"]
    time.sleep(1)
    found = wait_occurrences(apps, since, 3)
    complete = sorted(found)[1:-1] or sorted(found)[:-1]
    assert len(complete) >= 2, found
    for k in complete:
        events = found[k]
        done = [e for e in events if e["DJOPS_EVENT"] == "job.done"]
        skipped = [e for e in events if e["DJOPS_EVENT"] == "job.skipped"]
        assert len(done) == 1, (k, events)
        assert len(skipped) == 1 and skipped[0]["host"] != done[0]["host"], (k, events)
        assert skipped[0]["DJOPS_HOLDER"] == done[0]["host"]
        assert skipped[0]["PRIORITY"] == "5"
    fleet["steady"] = found


def test_status_and_metrics_say_where_the_last_occurrence_ran(fleet):
    app1, app2 = fleet["apps"]
    for m, other in ((app1, app2), (app2, app1)):

        def agreed(m=m, other=other) -> list[str] | None:
            """Status and the journal read with no run ending in between (an
            occurrence a minute): the line, once the journal stood still."""
            [last] = runs(m, fleet["since"])[-1:]
            line = [ln for ln in m.sh("djops status demo").stdout.splitlines() if "job tick" in ln]
            if runs(m, fleet["since"])[-1:] != [last]:
                return None
            assert line, m.name
            if last["DJOPS_EVENT"] == "job.skipped":
                assert f" on {other.name}: " in line[0], (line, last["MESSAGE"])
            else:
                assert " here (" in line[0], (line, last["MESSAGE"])
            return line

        wait_for(agreed, timeout=30, what="a still journal")
        skips = sum(e["DJOPS_EVENT"] == "job.skipped" for e in runs(m, 0))
        [shown] = wait_for(lambda m=m, n=skips: skipped_metric(m, n), timeout=30, what="metric")
        assert shown >= skips, m.name


def skipped_metric(m: Machine, at_least: int) -> list[float] | None:
    """node-exporter's djops_job_runs_skipped_total of the job, once it has caught up."""
    metric = 'djops_job_runs_skipped_total{job="tick",project="demo"}'
    out = m.sh("curl -s http://127.0.0.1:9100/metrics").stdout
    lines = [ln for ln in out.splitlines() if ln.startswith(metric)]
    value = float(lines[0].split()[-1]) if lines else None
    return [value] if value is not None and value >= at_least else None


def test_a_run_killed_midway_leaves_no_lock_behind(fleet):
    apps = fleet["apps"]
    unit = "djops-job@demo:tick.service"

    def running():
        for m in apps:
            pid = m.sh(f"systemctl show -P MainPID {unit}").stdout.strip()
            if (
                pid not in ("", "0")
                and "claimed" in m.sh(f"systemctl show -P StatusText {unit}").stdout
            ):
                return m, pid
        return None

    m, pid = wait_for(running, timeout=PERIOD * 2, interval=0.5, what="a run under way")
    killed_at = float(m.sh("date +%s.%N").stdout)
    m.sh(f"kill -9 {pid}")
    wait_for(
        lambda: m.sh(f"systemctl is-failed {unit}", check=False).stdout.strip() == "failed",
        what="the killed run's unit to fail",
    )
    after = int(killed_at // PERIOD) + 1
    found = wait_for(
        lambda: (f := by_occurrence(apps, killed_at)).get(after + 1) and f,
        timeout=PERIOD * 4,
        interval=2,
        what="the next occurrences",
    )
    done = [e for e in found[after] if e["DJOPS_EVENT"] == "job.done"]
    assert len(done) == 1, found[after]
    # a stale lock would show as a skip naming a host that runs nothing
    skipped = [e for e in found[after] if e["DJOPS_EVENT"] == "job.skipped"]
    assert all(e["DJOPS_HOLDER"] == done[0]["host"] for e in skipped), found[after]
    fleet["killed"] = (m, pid)


def test_pings_arrive_once_per_run_and_never_from_a_host_that_skipped(fleet):
    db, apps = fleet["db"], fleet["apps"]
    time.sleep(8)  # the last run's end ping
    pings = pings_received(db)
    starts = [p["path"].split("rid=")[1] for p in pings if "/tick/start?" in p["path"]]
    assert len(starts) == len(set(starts)), "one /start per run"
    claimed = {
        e["_SYSTEMD_INVOCATION_ID"]
        for m in apps
        for e in m.journal("DJOPS_PROJECT=demo", "DJOPS_JOB=tick", "DJOPS_EVENT=job.done")
    }
    rids = {s.replace("-", "") for s in starts}
    assert claimed <= rids, "every run that ran pinged /start"
    skipped = {
        e["_SYSTEMD_INVOCATION_ID"]
        for m in apps
        for e in m.journal("DJOPS_PROJECT=demo", "DJOPS_JOB=tick", "DJOPS_EVENT=job.skipped")
    }
    assert skipped and not (skipped & rids), "a host that skipped pinged"
    ends = [p["path"].split("rid=")[1] for p in pings if "/tick/start?" not in p["path"]]
    assert len(ends) == len(set(ends)), "one end ping per run"
    assert set(ends) <= set(starts)
    assert PASSWORD not in json.dumps(pings)


def test_with_the_host_that_ran_it_stopped_the_other_runs_the_next(fleet):
    apps = fleet["apps"]
    last = max((e for m in apps for e in runs(m, fleet["since"])), key=lambda e: e["occurrence"])
    runner = last["host"] if last["DJOPS_EVENT"] != "job.skipped" else last["DJOPS_HOLDER"]
    [gone] = [m for m in apps if m.name == runner]
    [other] = [m for m in apps if m.name != runner]
    gone.shutdown()
    stopped_at = float(other.sh("date +%s.%N").stdout)
    first = int(stopped_at // PERIOD) + 1
    found = wait_for(
        lambda: (f := by_occurrence([other], stopped_at)).get(first + 1) and f,
        timeout=PERIOD * 4,
        interval=2,
        what="two occurrences on the remaining host",
    )
    for k in (first, first + 1):
        assert [e["DJOPS_EVENT"] for e in found[k]] == ["job.done"], found[k]
