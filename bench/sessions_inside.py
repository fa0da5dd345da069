"""One engine's clearsessions benchmark, run inside the bench container with
the demo venv's python (Django, psycopg, PyMySQL) as root.

    sessions_inside.py ENGINE RUNS EXPIRED LIVE  ->  one JSON list on stdout

ENGINE: sqlite, sqlite-wal, postgresql, mariadb. For each run and each
contender (Django's clearsessions, djops' engine, one raw DELETE in the
database's own client) the table is filled afresh, a writer saves a session
every 10 ms from 3 s before until 0.5 s after, and the contender runs.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ENGINE, RUNS, EXPIRED, LIVE = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
# BENCH_WRITER=0: no writer, to tell what the writer's own saves cost a run
WRITER_ON = os.environ.get("BENCH_WRITER", "1") != "0"
WORK = Path("/root/bench") / ENGINE
PY = "/opt/demo/venv/bin/python"
DJOPS = subprocess.run(
    ["python3", "-c", "import djops.paths as p; print(p.inproject_entry())"],
    capture_output=True,
    text=True,
    check=True,
).stdout.strip()
DB = {
    "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(WORK / "db.sqlite3")},
    "postgresql": {"ENGINE": "django.db.backends.postgresql", "NAME": "bench", "USER": "root"},
    "mariadb": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "bench",
        "USER": "root",
        "OPTIONS": {"unix_socket": "/run/mysqld/mysqld.sock"},
    },
}
KIND = "sqlite" if ENGINE.startswith("sqlite") else ENGINE
SETTINGS = """{header}SECRET_KEY = "bench"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.sessions"]
DATABASES = {{"default": {db}}}
USE_TZ = True
"""
WRITER = """
import json, signal, time, django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
stop = False
def done(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, done)
saves, errors, n = [], 0, 0
print("ready", flush=True)
while not stop:
    t = time.time()
    try:
        s = SessionStore(); s["n"] = n; s.save()
    except Exception:
        errors += 1
    saves.append((t, time.time() - t)); n += 1
    time.sleep(0.01)
print(json.dumps({"saves": saves, "errors": errors}), flush=True)
"""
NOW = {"sqlite": "strftime('%Y-%m-%d %H:%M:%f', 'now')", "postgresql": "now()"}
NOW["mariadb"] = "UTC_TIMESTAMP(6)"


def sh(cmd: str, **kw) -> str:
    return subprocess.run(
        cmd, shell=True, check=True, capture_output=True, text=True, **kw
    ).stdout.strip()


def sql(query: str) -> str:
    if KIND == "sqlite":
        return sh(f"sqlite3 -batch -cmd '.timeout 120000' {DB['sqlite']['NAME']}", input=query)
    if KIND == "postgresql":
        return sh("psql -Atq bench", input=query)
    return sh("mariadb -N -B bench", input=query)


def setup() -> dict[str, str]:
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "settings").mkdir(parents=True)
    (WORK / "code").mkdir()
    (WORK / "code" / "manage.py").write_text(
        "import sys\nfrom django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n"
    )
    header = "import pymysql\npymysql.install_as_MySQLdb()\n" if KIND == "mariadb" else ""
    (WORK / "settings" / "settings.py").write_text(
        SETTINGS.format(header=header, db=json.dumps(DB[KIND]))
    )
    if KIND == "postgresql":
        sh(
            "runuser -u postgres -- psql -q -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'"
        )
        sh(
            "runuser -u postgres -- psql -q -c 'DO $$BEGIN CREATE ROLE root SUPERUSER LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$'"
        )
    if KIND == "mariadb":
        sh("mariadb -e 'DROP DATABASE IF EXISTS bench; CREATE DATABASE bench'")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{WORK / 'settings'}:{WORK / 'code'}",
        "DJANGO_SETTINGS_MODULE": "settings",
        "HOME": "/root",
    }
    subprocess.run([PY, WORK / "code" / "manage.py", "migrate", "-v0"], env=env, check=True)
    if ENGINE == "sqlite-wal":
        sql("PRAGMA journal_mode=WAL;")  # kept in the file: every connection uses it
    if KIND == "postgresql":  # dead rows left are part of the figures
        sql("ALTER TABLE django_session SET (autovacuum_enabled = false);")
    return env


def fill() -> None:
    if KIND == "sqlite":
        rows = """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < {n})
            INSERT INTO django_session SELECT '{p}' || i || hex(randomblob(8)), 'e30',
            strftime('%Y-%m-%d %H:%M:%f', 'now', '{s}' || ({o} + i) || ' seconds') FROM n;"""
        sql(
            "DELETE FROM django_session; VACUUM; BEGIN;"
            + rows.format(n=EXPIRED, p="x", s="-", o=0)
            + rows.format(n=LIVE, p="l", s="+", o=86400)
            + "COMMIT;"
        )
    elif KIND == "postgresql":
        rows = """INSERT INTO django_session SELECT '{p}' || i || md5(random()::text), 'e30',
            now() + ({s}i + {o}) * interval '1 second' FROM generate_series(1, {n}) i;"""
        sql(
            "TRUNCATE django_session;"
            + rows.format(n=EXPIRED, p="x", s="-", o=0)
            + rows.format(n=LIVE, p="l", s="", o=86400)
            + "VACUUM ANALYZE django_session; CHECKPOINT;"
        )
    else:
        rows = """INSERT INTO django_session SELECT CONCAT('{p}', seq, MD5(RAND())), 'e30',
            UTC_TIMESTAMP(6) + INTERVAL ({s}seq + {o}) SECOND FROM seq_1_to_{n};"""
        sql(
            "TRUNCATE django_session;"
            + rows.format(n=EXPIRED, p="x", s="-", o=0)
            + rows.format(n=LIVE, p="l", s="", o=86400)
            + "ANALYZE TABLE django_session;"
        )


def contenders(env: dict[str, str]) -> dict[str, list[str]]:
    floor = f"DELETE FROM django_session WHERE expire_date < {NOW[KIND]};"
    client = {
        "sqlite": ["sqlite3", "-cmd", ".timeout 120000", DB["sqlite"]["NAME"], floor],
        "postgresql": ["psql", "-q", "bench", "-c", floor],
        "mariadb": ["mariadb", "bench", "-e", floor],
    }[KIND]
    djops = [PY, DJOPS, "clearsessions", "--settings-dir", str(WORK / "settings")]
    return {
        "django": [PY, str(WORK / "code" / "manage.py"), "clearsessions"],
        "djops": [*djops, "--batch-size", "1000000", "--max-replica-lag", "30"],  # the defaults
        "floor": client,
    }


def wal() -> int:
    return (
        int(sql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0');"))
        if KIND == "postgresql"
        else 0
    )


def measure(name: str, argv: list[str], env: dict[str, str]) -> dict:
    fill()
    writer = None
    if WRITER_ON:
        writer = subprocess.Popen([PY, "-c", WRITER], env=env, stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(3.0)
    wal0 = wal()
    t0 = time.time()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    t1 = time.time()
    wal1 = wal()
    w: dict = {"saves": [], "errors": 0}
    if writer is not None:
        time.sleep(0.5)
        writer.terminate()
        w = json.loads(writer.stdout.read().strip().splitlines()[-1])
    assert status == 0, f"{name} failed: {out[-500:]}"
    idle = sorted(lat for t, lat in w["saves"] if t < t0)
    during = sorted(lat for t, lat in w["saves"] if t0 <= t <= t1) or [0.0]
    report = json.loads(out.strip().splitlines()[-1]) if name == "djops" else {}
    time.sleep(1.0)  # PostgreSQL's statistics reach pg_stat within a second
    left = int(sql(f"SELECT count(*) FROM django_session WHERE expire_date < {NOW[KIND]};"))
    live = int(sql("SELECT count(*) FROM django_session;")) - left
    assert left == 0 and live >= LIVE, f"{name} left {left} expired, {live} live rows"
    dead = (
        int(sql("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'django_session';"))
        if KIND == "postgresql"
        else None
    )
    wall = t1 - t0
    return {
        "contender": name,
        "wall": wall,
        "idle_p99": p99(idle),
        "p99": p99(during),
        "worst": during[-1],
        "saves": len(during),
        "errors": w["errors"],
        "longest_txn": report.get("longest", wall),
        "batches": report.get("batches", 1),
        "wal_bytes": wal1 - wal0 if KIND == "postgresql" else None,
        "dead": dead,
        "rss_mb": usage.ru_maxrss / 1024,
    }


def p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))] if values else 0.0


def main() -> None:
    env = setup()
    runs = []
    for i in range(RUNS):
        for name, argv in contenders(env).items():
            r = measure(name, argv, env)
            r["run"] = i + 1
            runs.append(r)
            print(f"{ENGINE} run {i + 1} {name}: {r['wall']:.2f} s", file=sys.stderr, flush=True)
    print(json.dumps(runs))


if __name__ == "__main__":
    main()
