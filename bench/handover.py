"""Requests during one settings change, by how it reaches gunicorn: plain
restart (gunicorn binds its port), restart with the socket held by systemd,
reload (SIGHUP, socket held) and the hand-over (results: bench/RESULTS.md,
"handover").

The demo app is made to take 2 s to load (a sleep at the end of wsgi.py),
gunicorn runs 2 sync workers; 16 clients, a new connection per request, for
60 s; the settings change once, 10 s in. 60 s, not 30: on a busy 2-core host
a hand-over (stand-in up and warm, P.service restarted and warm, stand-in
stopped) took up to 33 s from the write, and the loop must cover all of it.
Each run waits for the change's outcome (reload.applied, .rejected or
.failed) before the next one enables another mode. Run: make bench-handover
(boots a container; about 1.5 minutes per run). RUNS=n runs each mode n times.
"""

import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from container import machine
from results import write_section

SETTINGS = "/etc/opt/demo/settings.py"
CHANGE = "sed -i 's/^DEMO_MARKER = .*/DEMO_MARKER = \"{v}\"/' " + SETTINGS
LOAD = (Path(__file__).resolve().parents[1] / "tests/e2e/load.py").read_text()
CLIENTS, SECONDS, AT = 16, 60, 10
OUTCOME = 120  # seconds after the write to wait for reload.applied/.rejected/.failed
SOCKET = '[socket]\nlisten = ["127.0.0.1:8000"]\n'
MODES = {  # name: (demo.toml, whether the settings change)
    "idle (no change)": (SOCKET + '[watch]\nrestart = "restart"\n', False),
    "plain restart (no socket)": ('[watch]\nrestart = "restart"\n', True),
    "restart, socket held": (SOCKET + '[watch]\nrestart = "restart"\n', True),
    "reload (HUP), socket held": (SOCKET + '[watch]\nrestart = "reload"\n', True),
    "handover": (SOCKET + '[watch]\nrestart = "handover"\n', True),
}
DEBOUNCE = "[watch]\ndebounce_seconds = 1.0\n"


def one(m, toml: str, change: bool, i: int) -> dict:
    m.put("/etc/djops/demo.toml", toml.replace("[watch]\n", DEBOUNCE))
    m.sh("djops enable demo >/dev/null")
    m.sh("for i in $(seq 100); do curl -fs 127.0.0.1:8000/ >/dev/null && exit 0; sleep 0.2; done")
    m.sh("rm -f /root/l.json")
    m.sh(f"nohup python3 /root/load.py http://127.0.0.1:8000/ {CLIENTS} {SECONDS} > /root/l.json &")
    time.sleep(AT)
    written = float(m.sh("date +%s.%N").stdout)
    if change:
        m.sh(CHANGE.format(v=f"bench{i}"))
    outcome = _outcome(m, written) if change else None
    for _ in range(SECONDS + 60):
        out = m.sh("cat /root/l.json").stdout
        if out.strip():
            break
        time.sleep(1)
    r = json.loads(out)
    r["memory"] = int(outcome.get("DJOPS_STANDIN_MEMORY", 0)) if outcome else 0
    ok = outcome is not None and outcome.get("DJOPS_EVENT") == "reload.applied"
    r["applied"] = ok or not change
    r["after"] = int(outcome["__REALTIME_TIMESTAMP"]) / 1e6 - written if ok else 0.0
    r["inside"] = not change or (ok and r["after"] < SECONDS - AT)  # the loop saw it all
    print(json.dumps(r), flush=True)
    return r


def _outcome(m, since: float) -> dict | None:
    """The change's reload.applied (or .rejected/.failed), waited for."""
    events = ("reload.applied", "reload.rejected", "reload.failed")
    for _ in range(OUTCOME):
        found = [
            e
            for e in m.journal(f"--since=@{since:.3f}", "DJOPS_PROJECT=demo")
            if e.get("DJOPS_EVENT") in events
        ]
        if found:
            return found[0]
        time.sleep(1)
    return None


def main() -> int:
    runs = int(os.environ.get("RUNS", "1"))
    m = machine("djops-bench-handover")
    try:
        m.put("/root/load.py", LOAD)
        m.sh("echo 'import time; time.sleep(2)  # bench: a slow app' >> /opt/demo/demo/wsgi.py")
        m.sh("systemctl restart demo")
        results = {name: [one(m, t, c, i) for i in range(runs)] for name, (t, c) in MODES.items()}
        cores = m.sh("nproc").stdout.strip()
        gunicorn = m.sh("/opt/demo/venv/bin/gunicorn --version").stdout.split()[-1].strip("()")
    finally:
        m.destroy()

    def span(rs: list[dict], key: str, scale: float = 1.0, fmt: str = "{:.0f}") -> str:
        xs = sorted(r[key] * scale for r in rs)
        if len(xs) == 1:
            return fmt.format(xs[0])
        return "/".join(fmt.format(x) for x in (xs[0], statistics.median(xs), xs[-1]))

    rows = "\n".join(
        f"| {name} | {span(rs, 'ok')} | {span(rs, 'failed')} | {span(rs, 'p99', 1000)} ms | "
        f"{span(rs, 'worst', 1000)} ms | "
        + (f"{span(rs, 'memory', 1 / 2**20)} MiB" if name == "handover" else "-")
        + f" | {span(rs, 'after', fmt='{:.1f}') + ' s' if name != 'idle (no change)' else '-'}"
        + f" | {'yes' if all(r['applied'] and r['inside'] for r in rs) else 'NO'} |"
        for name, rs in results.items()
    )
    many = f"{runs} runs each, min/median/max" if runs > 1 else "1 run each (not 5: time)"
    body = f"""Measured {date.today()} in a booted Debian 13 container ({cores} cores, shared with
other work), demo app made to take 2 s to load, gunicorn {gunicorn} with 2 sync workers;
{CLIENTS} clients, a new connection per request, {SECONDS} s; one settings change {AT} s in
(validated by djops-reload@demo first); {many}. "applied after": from the write to
reload.applied (validation included); "applied": reload.applied came, while the
loop still ran.

| how the change reached gunicorn | requests ok | failed | p99 | worst | stand-in peak memory | applied after | applied |
| --- | --- | --- | --- | --- | --- | --- | --- |
{rows}"""
    raw = Path(__file__).parent / "raw-handover.json"
    raw.write_text(json.dumps(results, indent=1) + "\n")
    write_section("handover", body)
    print(body)
    return 0


if __name__ == "__main__":
    import results

    sys.exit(results.entry(main, __doc__))
