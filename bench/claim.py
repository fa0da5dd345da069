"""What once per fleet costs a run: the claim is a second project python
(the settings imported, not Django set up; the database driver alone: one
connection) that decides before the job starts and stays for its length. Measured in a booted Debian 13 with the demo project:
the time from a timer's start to the decision, the holder's memory while it
holds, and the same for the job alone as cron ran it (one `manage.py`
process), on SQLite and on PostgreSQL (claims through DATABASES["djops"]).
Run: make bench-claim (about 3 minutes). Environment: BENCH_RUNS.
"""

import json
import os
import statistics
import sys
from datetime import date
from pathlib import Path

from container import machine
from results import write_section

HERE = Path(__file__).resolve().parent
RUNS = int(os.environ.get("BENCH_RUNS", 10))
INSIDE = """
import json, subprocess, sys, time
from djops import config
from djops.jobs import claim
from djops.bridge import project_python
cfg, out = config.load("demo"), {"claim": [], "rss_kb": [], "job_alone": []}
for i in range(int(sys.argv[1])):
    t = time.monotonic()
    held = claim.start(cfg, "--job", f"demo:bench{i}", "--host", "app1", "--window", "60")
    out["claim"].append(time.monotonic() - t)
    assert held.decision.get("run"), held.decision
    rss = open(f"/proc/{held.proc.pid}/status").read().split("VmRSS:")[1].split()[0]
    out["rss_kb"].append(int(rss))
    held.end(0)
    t = time.monotonic()
    subprocess.run(["runuser", "-u", "demo", "--", "/opt/demo/venv/bin/python",
                    "/opt/demo/manage.py", "check", "-v0"], env=project_python.environment(cfg),
                   cwd="/opt/demo", check=True)
    out["job_alone"].append(time.monotonic() - t)
print(json.dumps(out))
"""
PG = (
    "\nDATABASES['djops'] = {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'demo', "
    "'USER': 'demo', 'PASSWORD': 'bench-pw', 'HOST': '127.0.0.1', 'PORT': '5432'}\n"
)


def spread(values: list[float], fmt: str) -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main() -> None:
    m = machine("djops-bench-claim")
    try:
        m.put("/root/claim_inside.py", INSIDE)
        rows = []
        for name in ("SQLite", "PostgreSQL 17"):
            if name.startswith("PostgreSQL"):
                m.sh("systemctl start postgresql")
                m.sh(
                    "runuser -u postgres -- psql -q -c \"CREATE ROLE demo LOGIN PASSWORD 'bench-pw'\" "
                    '-c "CREATE DATABASE demo OWNER demo"'
                )
                m.sh(f'printf %s "{PG}" >> /etc/opt/demo/settings.py')
            out = m.sh(f"python3 /root/claim_inside.py {RUNS}", timeout=600, check=False)
            if out.returncode != 0:
                raise SystemExit(f"{name}: {out.stderr[-2000:]}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(
                f"| {name} | {spread(r['claim'], '{:.2f}')} | "
                f"{spread([k / 1024 for k in r['rss_kb']], '{:.0f}')} | "
                f"{spread(r['job_alone'], '{:.2f}')} |"
            )
        body = (
            f"Measured {date.today()} in a booted Debian 13 container on {os.cpu_count()} cores, "
            f"{RUNS} claims each, min / median / max. A claim is made only by a timer's run of a "
            "job with once = true; `djops run` and once = false pay nothing.\n\n"
            "| claims in | start to decision (s) | holder RSS while the job runs (MB) "
            "| the job alone: `manage.py check` (s) |\n| --- | --- | --- | --- |\n"
            + "\n".join(rows)
            + "\n\nThe holder is the project's python with the settings module imported "
            "and the database driver alone (libpq through ctypes on PostgreSQL, sqlite3 on "
            "SQLite), not a second Django: the decision costs a python's start, the settings' "
            "import and one connection. It comes before the job starts, so a job runs that "
            "much later than its timer, and the holder's memory is held for the job's length. "
            "Targets (issue 23): a decision in at most 0.2 s (median) and at most 25 MB held."
        )
        print(body)
        write_section("once per fleet: the claim", body)
    finally:
        m.destroy()


if __name__ == "__main__":
    import results

    sys.exit(results.entry(main, __doc__))
