"""Django's `manage.py clearsessions` against djops' engine and the floor (one
raw DELETE in the database's own client), in the same run, on SQLite (its
rollback journal and WAL), PostgreSQL and MariaDB: Debian 13's own servers
in a booted container (bench/sessions_inside.py does the work there).

1,000,000 expired + 100,000 live sessions, a writer saving a session every
10 ms; each case 5 times, reported as min / median / max. Results go to
bench/RESULTS.md, one section per engine. Run: make bench (about 30 min).
Environment: BENCH_ENGINES, BENCH_RUNS, BENCH_EXPIRED, BENCH_LIVE; BENCH_WRITER=0
for runs without the writer, BENCH_VARIANT=NAME for any run that is a
decomposition for the notes (raw-clearsessions-ENGINE-NAME.json; RESULTS.md is
left alone).
"""

import json
import os
import statistics
import sys
from datetime import date
from pathlib import Path

from container import machine
from results import write_section
from verdicts import targets_line

HERE = Path(__file__).resolve().parent
ENGINES = os.environ.get("BENCH_ENGINES", "sqlite sqlite-wal postgresql mariadb").split()
RUNS = int(os.environ.get("BENCH_RUNS", 5))
EXPIRED = int(os.environ.get("BENCH_EXPIRED", 1_000_000))
LIVE = int(os.environ.get("BENCH_LIVE", 100_000))
WRITER = os.environ.get("BENCH_WRITER", "1")  # 0: no writer (where the time goes)
# a run for the notes (raw-clearsessions-ENGINE-VARIANT.json; RESULTS.md left alone):
# BENCH_VARIANT=NAME (BENCH_WRITER=0 implies "nowriter")
VARIANT = os.environ.get("BENCH_VARIANT") or ("nowriter" if WRITER == "0" else "")
TITLE = {
    "sqlite": "SQLite (rollback journal)",
    "sqlite-wal": "SQLite (WAL)",
    "postgresql": "PostgreSQL 17",
    "mariadb": "MariaDB 11.8",
}
# target: (metric, comparison, bound) as issue 10 sets them
SERVER_TARGETS = (
    "writer p99 <= 2x idle p99, worst save < 0.25 s, djops txn <= 1 s, wall <= 1.5x Django's"
)
SQLITE_TARGETS = "worst save < 0.25 s in every run, wall <= 1.3x Django's"


def spread(values: list[float], fmt: str) -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return "-"
    lo, mid, hi = min(vals), statistics.median(vals), max(vals)
    return f"{fmt.format(lo)} / {fmt.format(mid)} / {fmt.format(hi)}"


def table(runs: list[dict], engine: str) -> str:
    names = ["django", "djops", "floor"]
    cols = [
        ("wall time (s)", "wall", "{:.2f}"),
        ("writer p99 (ms)", "p99", "{:.0f}", 1000),
        ("writer worst (ms)", "worst", "{:.0f}", 1000),
        ("idle p99 (ms)", "idle_p99", "{:.0f}", 1000),
        ("longest txn (s)", "longest_txn", "{:.2f}"),
        ("peak RSS (MB)", "rss_mb", "{:.0f}"),
    ]
    if engine == "postgresql":
        cols += [
            ("WAL (MB)", "wal_bytes", "{:.0f}", 1 / 2**20),
            ("dead tuples left", "dead", "{:.0f}"),
        ]
    head = "| contender | " + " | ".join(c[0] for c in cols) + " |"
    lines = [head, "|" + " --- |" * (len(cols) + 1)]
    for name in names:
        mine = [r for r in runs if r["contender"] == name]
        cells = []
        for col in cols:
            scale = col[3] if len(col) > 3 else 1
            cells.append(
                spread([None if r[col[1]] is None else r[col[1]] * scale for r in mine], col[2])
            )
        label = {"django": "Django clearsessions", "djops": "djops", "floor": "one raw DELETE"}
        lines.append(f"| {label[name]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(runs: list[dict], engine: str) -> str:
    dj = [r for r in runs if r["contender"] == "django"]
    ours = [r for r in runs if r["contender"] == "djops"]
    ratio = statistics.median(r["wall"] for r in ours) / statistics.median(r["wall"] for r in dj)
    worst = max(r["worst"] for r in ours)
    sqlite = engine.startswith("sqlite")
    checks = [
        (f"wall time {ratio:.2f}x Django's (median)", ratio <= (1.3 if sqlite else 1.5)),
        (f"worst save {worst * 1000:.0f} ms (max of runs)", worst < 0.25),
    ]
    if sqlite:
        return targets_line(SQLITE_TARGETS, checks)
    p99 = max(r["p99"] / max(r["idle_p99"], 1e-4) for r in ours)
    txn = max(r["longest_txn"] for r in ours)
    checks += [
        (f"writer p99 up to {p99:.1f}x idle", p99 <= 2),
        (f"longest djops transaction {txn:.2f} s", txn <= 1),
    ]
    return targets_line(SERVER_TARGETS, checks)


def main() -> None:
    m = machine("djops-bench-sessions")
    try:
        m.sh("systemctl start postgresql mariadb")
        m.put("/root/sessions_inside.py", (HERE / "sessions_inside.py").read_text())
        for engine in ENGINES:
            r = m.sh(
                f"BENCH_WRITER={WRITER} /opt/demo/venv/bin/python /root/sessions_inside.py "
                f"{engine} {RUNS} {EXPIRED} {LIVE}",
                timeout=7200,
            )
            runs = json.loads(r.stdout.strip().splitlines()[-1])
            raw = f"raw-clearsessions-{engine}{'-' + VARIANT if VARIANT else ''}.json"
            (HERE / raw).write_text(json.dumps(runs, indent=1))
            if VARIANT:  # a decomposition for the notes, not the bench's verdict
                print(engine, VARIANT, EXPIRED, LIVE, "\n" + table(runs, engine), flush=True)
                continue
            body = (
                f"Measured {date.today()} in a booted Debian 13 container on {os.cpu_count()} "
                f"cores: {EXPIRED:,} expired + {LIVE:,} live sessions, filled afresh before each "
                f"run, a writer saving a session every 10 ms; {RUNS} runs of each contender, "
                "min / median / max.\n\n" + table(runs, engine) + "\n\n" + verdict(runs, engine)
            )
            print(body, flush=True)
            write_section(f"clearsessions: {TITLE[engine]}", body)
    finally:
        m.destroy()


if __name__ == "__main__":
    import results

    sys.exit(results.entry(main, __doc__))
