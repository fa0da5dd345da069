"""Django's `manage.py clearsessions` against `djops clearsessions`, same run.

SQLite, 1,000,000 expired and 100,000 live sessions, identical copies of one
database. For each: wall time, peak RSS of the whole process tree, and the
longest time a concurrent writer (saving a session every 10 ms, as a busy
site does) was blocked. Results go to bench/RESULTS.md (section
"clearsessions"). Run: make bench (needs .venv with Django: make deps).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import write_section

REPO = Path(__file__).resolve().parents[1]
VENV_PY = REPO / ".venv" / "bin" / "python"
EXPIRED = int(os.environ.get("BENCH_EXPIRED", 1_000_000))
LIVE = int(os.environ.get("BENCH_LIVE", 100_000))

SETTINGS = """
SECRET_KEY = "bench"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.sessions"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "{db}",
              "OPTIONS": {{"timeout": 120}}}}}}
USE_TZ = True
"""

WRITER = """
import json, signal, sys, time, django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
stop = False
def done(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, done)
worst = 0.0; n = 0; errors = 0
print("ready", flush=True)
while not stop:
    t = time.monotonic()
    try:
        s = SessionStore(); s["n"] = n; s.save()
    except Exception:
        errors += 1
    worst = max(worst, time.monotonic() - t); n += 1
    time.sleep(0.01)
print(json.dumps({"worst": worst, "saves": n, "errors": errors}), flush=True)
"""


def make_project(tmp: Path) -> tuple[Path, Path, dict[str, str]]:
    code, settings, db = tmp / "code", tmp / "settings", tmp / "template.sqlite3"
    code.mkdir()
    settings.mkdir()
    (code / "manage.py").write_text(
        "import sys\nfrom django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": f"{settings}:{code}",
        "DJANGO_SETTINGS_MODULE": "settings",
    }
    (settings / "settings.py").write_text(SETTINGS.format(db=db))
    subprocess.run([VENV_PY, code / "manage.py", "migrate", "-v0"], env=env, check=True)
    with sqlite3.connect(db) as c:
        c.execute(f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < {EXPIRED})
            INSERT INTO django_session SELECT 'x' || i || hex(randomblob(8)), 'e30',
            strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || i || ' seconds') FROM n""")
        c.execute(f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < {LIVE})
            INSERT INTO django_session SELECT 'l' || i || hex(randomblob(8)), 'e30',
            strftime('%Y-%m-%d %H:%M:%f', 'now', '+' || (86400 + i) || ' seconds') FROM n""")
    return code, settings, db


def measure(name: str, argv: list, env: dict[str, str], db: Path, cmd_env: dict) -> dict:
    writer = subprocess.Popen([VENV_PY, "-c", WRITER], env=env, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    started = time.monotonic()
    proc = subprocess.Popen(argv, env=cmd_env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    time.sleep(0.5)
    writer.terminate()
    stats = __import__("json").loads(writer.stdout.read().strip().splitlines()[-1])
    with sqlite3.connect(db) as c:
        left_expired = c.execute(
            "SELECT count(*) FROM django_session WHERE expire_date < strftime('%Y-%m-%d %H:%M:%f','now')"
        ).fetchone()[0]
        live = c.execute("SELECT count(*) FROM django_session").fetchone()[0] - left_expired
    assert status == 0, f"{name} failed"
    assert left_expired == 0, f"{name} left {left_expired} expired rows"
    return {
        "name": name,
        "wall": wall,
        "rss_mb": usage.ru_maxrss / 1024,
        "stall": stats["worst"],
        "saves": stats["saves"],
        "errors": stats["errors"],
        "live": live,
    }


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="djops-bench-"))
    try:
        code, settings, template = make_project(tmp)
        results = []
        for name in ("django", "djops"):
            db = tmp / f"{name}.sqlite3"
            shutil.copy(template, db)
            (settings / "settings.py").write_text(SETTINGS.format(db=db))
            env = {
                "PATH": os.environ["PATH"],
                "PYTHONPATH": f"{settings}:{code}",
                "DJANGO_SETTINGS_MODULE": "settings",
            }
            cmd_env = env
            if name == "django":
                argv = [VENV_PY, code / "manage.py", "clearsessions"]
            else:
                conf = tmp / "etc-djops"
                conf.mkdir(exist_ok=True)
                (conf / "bench.toml").write_text(
                    f'[project]\nuser = "{os.environ.get("USER", "root")}"\ncode_dir = "{code}"\n'
                    f'venv = "{REPO / ".venv"}"\nsettings_dir = "{settings}"\n'
                )
                cmd_env = env | {"DJOPS_CONFIG_DIR": str(conf), "PYTHONPATH": str(REPO / "src")}
                argv = ["/usr/bin/python3", "-m", "djops", "clearsessions", "--here", "bench"]
            results.append(measure(name, argv, env, db, cmd_env))
    finally:
        shutil.rmtree(tmp)
    report(results)


def report(results: list[dict]) -> None:
    dj, ours = results
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, SQLite, "
        f"{EXPIRED:,} expired + {LIVE:,} live sessions, identical copies, "
        f"a writer saving a session every 10 ms during each run.",
        "",
        "| command | wall time | peak RSS | longest writer stall | writer saves | live rows kept |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} clearsessions | {r['wall']:.2f} s | {r['rss_mb']:.0f} MB | "
            f"{r['stall']:.3f} s | {r['saves']} ({r['errors']} errors) | {r['live']:,} |"
        )
    lines += [
        "",
        f"djops/django wall time: {ours['wall'] / dj['wall']:.2f}x "
        "(target within 1.3x); djops longest stall target < 0.25 s; RSS target < 100 MB.",
    ]
    text = "\n".join(lines)
    print(text)
    write_section("clearsessions", text)


if __name__ == "__main__":
    sys.exit(main())
