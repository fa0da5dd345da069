"""Where a batched cleanup's time goes on PostgreSQL and MariaDB, phase by
phase, beside one DELETE of the same rows (bench/RESULTS.md, "clearsessions:
notes"). Not a contender: a diagnostic of the SQL djops' engine sends.

Each variant runs on a table filled afresh (1,000,000 expired + 100,000 live
rows, as bench/clearsessions.py fills it), with fixed batches of BATCH rows,
no writer, and times each phase of every batch: picking the rows, deleting them
(on PostgreSQL both in djops' one statement: variants with and without the
row locks and the ordering tell their shares), committing.
Run: make bench-trace (boots a container; about 10 minutes).
"""

import json
import os
import sys
from pathlib import Path

from container import machine

HERE = Path(__file__).resolve().parent
BATCH = int(os.environ.get("BENCH_BATCH", 50_000))

INSIDE = r"""
import json, statistics, sys, time
BATCH = int(sys.argv[4])
sys.argv = ["sessions_inside.py", sys.argv[1], "1", sys.argv[2], sys.argv[3]]
sys.path.insert(0, "/root")
import sessions_inside as si

PG = (
    "WITH gone AS (DELETE FROM django_session WHERE ctid = ANY(ARRAY("
    "SELECT ctid FROM django_session WHERE expire_date >= %s AND expire_date < now() "
    "{order} LIMIT %s {lock})) RETURNING expire_date) SELECT count(*), max(expire_date) FROM gone"
)
VARIANTS = {
    "postgresql": {
        # one statement per batch, as djops sends it (the rows picked in the server)
        "djops (ordered, FOR UPDATE SKIP LOCKED)": (
            PG.format(order="ORDER BY expire_date", lock="FOR UPDATE SKIP LOCKED"),
            None,
        ),
        "ordered, no row locks": (PG.format(order="ORDER BY expire_date", lock=""), None),
        "a range up to the n-th oldest, no row locks": (
            "SELECT expire_date FROM django_session WHERE expire_date >= %s AND "
            "expire_date < now() ORDER BY expire_date LIMIT 1 OFFSET %s",
            "DELETE FROM django_session WHERE expire_date >= %s AND expire_date <= %s",
        ),
    },
    "mariadb": {
        "djops (range up to the n-th oldest)": (
            "SELECT expire_date FROM django_session WHERE expire_date >= %s AND "
            "expire_date < UTC_TIMESTAMP(6) ORDER BY expire_date LIMIT 1 OFFSET %s",
            "DELETE FROM django_session WHERE expire_date >= %s AND expire_date <= %s",
        ),
    },
}


def connect():
    if si.KIND == "postgresql":
        import psycopg
        return psycopg.connect(dbname="bench", user="root")
    import pymysql
    c = pymysql.connect(unix_socket="/run/mysqld/mysqld.sock", user="root", database="bench")
    c.cursor().execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return c


def one_delete():
    si.fill()
    conn = connect()
    t = time.monotonic()
    with conn.cursor() as cur:
        cur.execute("DELETE FROM django_session WHERE expire_date < "
                    + ("now()" if si.KIND == "postgresql" else "UTC_TIMESTAMP(6)"))
        n = cur.rowcount
    conn.commit()
    return {"variant": "one DELETE", "rows": n, "wall": time.monotonic() - t}


def batched(name, pick, delete):
    si.fill()
    conn = connect()
    pick_s = delete_s = commit_s = 0.0
    rows = batches = 0
    longest = 0.0
    edge = "1970-01-01"
    start = time.monotonic()
    while True:
        t0 = time.monotonic()
        with conn.cursor() as cur:
            if delete is None:  # picked and deleted in one statement
                cur.execute(pick, [edge, BATCH])
                n, last = cur.fetchone()
                t1 = time.monotonic()
                edge = last or edge
                row = last
            else:
                cur.execute(pick, [edge, BATCH - 1])
                row = cur.fetchone()
                t1 = time.monotonic()
                if row is None:
                    cur.execute(
                        "DELETE FROM django_session WHERE expire_date >= %s "
                        "AND expire_date < " + ("now()" if si.KIND == "postgresql" else "UTC_TIMESTAMP(6)"),
                        [edge],
                    )
                else:
                    cur.execute(delete, [edge, row[0]])
                    edge = row[0]
                n = cur.rowcount
        t2 = time.monotonic()
        conn.commit()
        t3 = time.monotonic()
        pick_s += t1 - t0
        delete_s += t2 - t1
        commit_s += t3 - t2
        longest = max(longest, t3 - t0)
        rows += n
        batches += 1 if n else 0
        last = n < BATCH if delete is None else row is None
        if last or n == 0:
            break
    return {"variant": name, "rows": rows, "batches": batches, "wall": time.monotonic() - start,
            "pick": pick_s, "delete": delete_s, "commit": commit_s, "longest": longest}


si.setup()
out = [one_delete()]
for name, (pick, delete) in VARIANTS[si.KIND].items():
    out.append(batched(name, pick, delete))
print(json.dumps(out))
"""


def main() -> int:
    m = machine("djops-bench-trace")
    results = {}
    try:
        m.sh("systemctl start postgresql mariadb")
        m.put("/root/sessions_inside.py", (HERE / "sessions_inside.py").read_text())
        m.put("/root/trace_inside.py", INSIDE)
        for engine in os.environ.get("BENCH_ENGINES", "postgresql mariadb").split():
            r = m.sh(
                f"/opt/demo/venv/bin/python /root/trace_inside.py {engine} 1000000 100000 {BATCH}",
                timeout=3600,
            )
            results[engine] = json.loads(r.stdout.strip().splitlines()[-1])
            print(engine, json.dumps(results[engine], indent=1), flush=True)
    finally:
        m.destroy()
    (HERE / "raw-batch-trace.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    import results

    sys.exit(results.entry(main, __doc__))
