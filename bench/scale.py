"""djops on a host with many projects and many jobs (results: bench/RESULTS.md,
"scale", and raw-scale.json), with monit and cron measured beside it in the
same booted Debian 13 (issue 29's targets).

Cheap projects: P.toml files that all point at the demo project's code,
venv, settings and gunicorn (one site, one venv); each has its own units,
state and jobs. Jobs run /bin/true on a daily schedule (distinct times, so
every schedule is its own expression).

Since 0.2 one djops-health.service and one djops-watch.service serve every
enabled project of the host; they run, as on a real host, throughout.

1. N = 1, 20, 100 projects of 10 jobs: `djops status`, the resident PSS of
   every djops process (the two host daemons, and whatever else runs), and
   the CPU djops and PID 1 use at idle over a window of one health interval
   (every project's round once); beside them monit (1 http + 1 process check
   per project, `set daemon 60` like djops' interval) and cron (one line per
   job) in the same window.
2. J = 10, 100, 1,000 jobs in one more project (the 100 others still
   enabled): `djops enable P` (first, then unchanged), `djops status P`,
   `djops history P`, and the CPU of one run of a trivial job: the job
   unit's cgroup CPU minus that of a bare unit running the same command
   (`systemd-run --wait /bin/true`); at 1,000 jobs an idle window again.
Run: make bench-scale (boots a container; about 15 minutes). A shorter run:
`scale.py --projects=1,100 --jobs=10,1000`.
"""

import json
import signal
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from container import machine
from results import write_section

RAW = Path(__file__).resolve().parent / "raw-scale.json"
JOBS = (10, 100, 1000)
PROJECTS = (1, 20, 100)
for _arg in sys.argv[1:]:  # --jobs=10,1000 --projects=1,100: a shorter run
    if _arg.startswith(("--jobs=", "--projects=")):
        _values = tuple(int(v) for v in _arg.split("=", 1)[1].split(","))
        if _arg.startswith("--jobs="):
            JOBS = _values
        else:
            PROJECTS = _values
OLD = Path(__file__).resolve().parent / "raw-scale-0.1.json"  # 0.1.0's per-project daemons
RUNS = 5  # runs of a trivial job, per J
REPEAT = 3  # of each command
IDLE = 60.0  # seconds of each idle window: the default health interval
SHARED = (
    '[project]\nuser = "demo"\ncode_dir = "/opt/demo"\nvenv = "/opt/demo/venv"\n'
    'settings_dir = "/etc/opt/demo"\nservice = "demo.service"\n'
    '[watch]\npaths = ["/etc/opt/demo"]\n'
)
RESOURCES = "ae8f7b866b0347b9af31fe1c80b127c0"  # systemd's "Consumed ... CPU time" line

# what a window sees inside the machine: CPU seconds (own + waited-for
# children) and PSS (kB) of each group of processes, and PID 1's CPU
PROBE = r"""
import json, os
tick = os.sysconf("SC_CLK_TCK")
def cmd(pid):
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
    except OSError:
        return ""
def group(c):
    if "/usr/bin/djops" in c:
        return "djops"
    if c.startswith("/usr/bin/monit"):
        return "monit"
    if c.startswith("/usr/sbin/cron"):
        return "cron"
    return None
out = {"djops": {}, "monit": {}, "cron": {}}
for pid in filter(str.isdigit, os.listdir("/proc")):
    c = cmd(pid)
    g = group(c)
    if g is None:
        continue
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        pss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/smaps_rollup") if l.startswith("Pss:"))
    except (OSError, StopIteration):
        continue
    role = c.split("/usr/bin/djops", 1)[1].split()[:1] if g == "djops" else []
    out[g][pid] = {"cpu": sum(int(x) for x in f[11:15]) / tick, "pss": pss,
                   "role": role[0] if role else g}
f = open("/proc/1/stat").read().rsplit(")", 1)[1].split()
out["pid1"] = sum(int(x) for x in f[11:13]) / tick
print(json.dumps(out))
"""


def stats(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def shown(s: dict | None, unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    if not s:
        return "not measured"
    return " / ".join(f"{s[k] * scale:.{digits}f}" for k in ("min", "median", "max")) + f" {unit}"


def timed(m, cmd: str) -> float:
    out = m.sh(f"s=$(date +%s.%N); {cmd} >/dev/null; echo $s $(date +%s.%N)", timeout=900)
    start, end = map(float, out.stdout.split()[-2:])
    return end - start


# schedules 12 h away from the run (the container keeps UTC): no job fires
# during the bench (a run near midnight saw every project's jobs fire, 15 min
# of RandomizedDelaySec spreading them over its idle windows)
BASE_HOUR = (time.gmtime().tm_hour + 12) % 24


def jobs_toml(n: int) -> str:
    """n jobs a second apart from BASE_HOUR: distinct expressions."""
    return "".join(
        f'[jobs.j{i}]\nexec = ["/bin/true"]\nschedule = "*-*-* '
        f'{(BASE_HOUR + i // 3600) % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"\n'
        for i in range(n)
    )


def usage(m, slice_: str) -> float:
    """CPU seconds a slice's cgroup has used, its ended units' included."""
    text = m.sh(f"cat /sys/fs/cgroup/{slice_}/cpu.stat").stdout
    return int(text.split("usage_usec")[1].split()[0]) / 1e6


def run_cpu(m, p: str) -> list[float]:
    """CPU of RUNS runs of job j0 of P, beyond the command's own. The unit
    runs in a slice of its own (a bench drop-in), and a bare unit running the
    same command in another: each run is the slices' cgroup CPU before and
    after (systemd's own "Consumed" line needs CPU accounting, which the
    container's cgroup does not delegate)."""
    out = []
    unit = f"djops-job@{p}:j0.service"
    # until the post step is over too: `is-active` is false already while the
    # unit is deactivating (ExecStopPost=), which let a run's post step count
    # in the next run's figure, and a start meet the unit still busy
    ended = f"until systemctl show -P ActiveState {unit} | grep -qx -e inactive -e failed; do sleep 0.1; done"
    m.sh(f"systemctl start {unit}; {ended}")  # warm: the page cache holds djops' files
    for _ in range(RUNS):
        u0 = usage(m, "benchrun.slice")
        m.sh(f"systemctl start {unit}; {ended}")
        job = usage(m, "benchrun.slice") - u0
        t0 = usage(m, "benchtrue.slice")
        m.sh("systemd-run -q --wait --slice=benchtrue.slice /bin/true")
        out.append(job - (usage(m, "benchtrue.slice") - t0))
    return out


def bench_dropins(m, p: str) -> None:
    """Job j0's runs in a slice of their own, and no start limit: six starts
    in a few seconds would hit systemd's default (5 in 10 s), and a refused
    start measured as a run of about 0 ms. The host health daemon stays as it
    is: since 0.2 `djops enable` never waits for its rounds."""
    m.put(
        f"/etc/systemd/system/djops-job@{p}:j0.service.d/zz-bench.conf",
        "[Unit]\nStartLimitIntervalSec=0\n[Service]\nSlice=benchrun.slice\n",
    )
    m.sh("systemctl daemon-reload")


def commands(m, p: str, jobs: int) -> dict:
    m.put(f"/etc/djops/{p}.toml", SHARED + jobs_toml(jobs))
    bench_dropins(m, p)
    first = timed(m, f"djops enable {p}")
    again = [timed(m, f"djops enable {p}") for _ in range(REPEAT)]
    status = [timed(m, f"djops status {p}") for _ in range(REPEAT)]
    cpu = run_cpu(m, p)
    history = [timed(m, f"djops history {p}") for _ in range(REPEAT)]
    # P stays enabled, as on a host; main() disables the one of the most
    # jobs as the run's last step, after its idle window
    return {
        "jobs": jobs,
        "enable_first": first,
        "enable_unchanged": stats(again),
        "status_p": stats(status),
        "history_p": stats(history),
        "run_cpu": stats(cpu),
        "raw": {
            "enable_unchanged": again,
            "status_p": status,
            "history_p": history,
            "run_cpu": cpu,
        },
    }


def monit_conf(n: int) -> str:
    return "".join(
        f'check process site{i} matching "gunicorn"\n'
        f"check host site{i}_http with address 127.0.0.1\n"
        f'    if failed port 8000 protocol http request "/" then alert\n'
        for i in range(n)
    )


def crontab(n: int) -> str:
    return "".join(
        f"{i % 60} {(BASE_HOUR + i // 60 % 8) % 24} * * * root /bin/true\n" for i in range(n * 10)
    )


def window(m) -> dict:
    """PSS and idle CPU of each group over IDLE seconds."""
    m.put("/root/probe.py", PROBE)
    a = json.loads(m.sh("python3 /root/probe.py").stdout)
    time.sleep(IDLE)
    b = json.loads(m.sh("python3 /root/probe.py").stdout)
    out = {}
    for g in ("djops", "monit", "cron"):
        both = set(a[g]) & set(b[g])
        cpu = sum(b[g][p]["cpu"] - a[g][p]["cpu"] for p in both)
        out[g] = {
            "processes": len(b[g]),
            "pss_mib": sum(x["pss"] for x in b[g].values()) / 1024,
            "idle_cpu_s": cpu,
            "core_percent": 100 * cpu / IDLE,
        }
        if g == "djops":  # health, watch, or a short-lived command seen in passing
            roles: dict = {}
            for p, x in b[g].items():
                r = roles.setdefault(x["role"], {"processes": 0, "pss_mib": 0.0, "idle_cpu_s": 0.0})
                r["processes"] += 1
                r["pss_mib"] += x["pss"] / 1024
                if p in a[g]:
                    r["idle_cpu_s"] += x["cpu"] - a[g][p]["cpu"]
            out[g]["roles"] = roles
    out["pid1"] = {
        "idle_cpu_s": b["pid1"] - a["pid1"],
        "core_percent": 100 * (b["pid1"] - a["pid1"]) / IDLE,
    }
    return out


def hosts(m, out: list[dict], save) -> None:
    m.sh("sed -i 's/^set daemon .*/set daemon 60/' /etc/monit/monitrc")
    enabled = 0
    for n in PROJECTS:
        for i in range(enabled, n):
            m.put(f"/etc/djops/n{i}.toml", SHARED + jobs_toml(10))
        started = time.monotonic()
        names = " ".join(f"n{i}" for i in range(enabled, n))
        # a few at once, as a configuration management run would
        try:
            m.sh(f"printf '%s\\n' {names} | xargs -P4 -n1 djops enable >/dev/null", timeout=1800)
        except AssertionError:  # what PID 1 said, before the machine goes
            said = "journalctl -p warning --since=-30min -o short-precise --no-pager | tail -60"
            print(m.sh(said, check=False).stdout, file=sys.stderr)
            raise
        enabling = (time.monotonic() - started) / max(n - enabled, 1)
        enabled = n
        m.put("/etc/monit/conf.d/bench", monit_conf(n), mode=0o600)
        m.put("/etc/cron.d/bench", crontab(n))
        m.sh("systemctl restart monit cron")
        # idle is the steady state: monit's and cron's first checks, and the
        # health round after the last enable's daemon-reload (which asks every
        # timer afresh) pass before the window
        time.sleep(80)
        status = [timed(m, "djops status") for _ in range(REPEAT)]
        out.append(
            {
                "projects": n,
                "enable_each_s": enabling,
                "status": stats(status),
                "raw_status": status,
                **window(m),
            }
        )
        save()


def main() -> int:
    # `timeout` ends a long run: destroy the machine, keep what was measured
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    t0 = time.monotonic()
    if "--attach" in sys.argv:  # a machine a run stopped half-way left booted
        from machine import Machine

        m = Machine.attach("trixie", "djops-bench-scale")
        prefix = "k"
    else:
        m = machine("djops-bench-scale")
        prefix = "j"
    for held in ("benchrun", "benchtrue"):  # the slices stay while a sleeper holds them
        m.sh(f"systemd-run -q --unit={held}-hold --slice={held}.slice sleep infinity", check=False)
    per_j: list[dict] = []
    per_n: list[dict] = []
    if "--jobs-only" in sys.argv and RAW.exists():  # keep the hosts measured before
        per_n = json.loads(RAW.read_text()).get("hosts", [])
    try:
        about = {
            "cores": m.sh("nproc").stdout.strip(),
            "version": m.sh("dpkg-query -W -f '${Version}' djops").stdout.strip(),
            "systemd": m.sh("systemctl --version | head -1").stdout.strip(),
        }

        def save() -> None:  # after each phase: a run cut short still says what it measured
            wall = time.monotonic() - t0
            raw = {"date": str(date.today()), **about, "jobs": per_j, "hosts": per_n}
            RAW.write_text(json.dumps(raw, indent=1) + "\n")
            write_section("scale", render(per_j, per_n, **about, wall=wall))

        if "--jobs-only" not in sys.argv:
            hosts(m, per_n, save)
        # the anchors are measured: they would only compete for the 2 cores with
        # the commands timed next; djops' host daemons run on, as on a host
        m.sh("systemctl stop monit cron", check=False)
        for j in JOBS:
            try:
                per_j.append(commands(m, f"{prefix}{j}", j))
                if j == max(JOBS):  # the host daemons at idle with the most jobs
                    time.sleep(80)  # as in hosts(): the steady state
                    per_j[-1]["idle"] = window(m)
                    # 0.1's `djops disable` of 100 jobs took over 90 s; 0.2's
                    # failed for 1,000 until it stopped naming them to systemctl
                    per_j[-1]["disable"] = timed(m, f"djops disable {prefix}{j}")
            except Exception as e:
                print(f"J={j}: {e}", file=sys.stderr)
            save()
    finally:
        m.destroy()
    print(section_text())
    return 0


def section_text() -> str:
    from results import RESULTS

    text = RESULTS.read_text()
    return text[text.index("\n## scale\n") :]


def _pick(rows: list[dict], key: str, value: int) -> dict | None:
    return next((r for r in rows if r.get(key) == value), None)


def _idle(r: dict | None) -> float | None:
    """djops + PID 1, percent of one core, of a row's idle window."""
    if not r or "djops" not in r:
        return None
    return r["djops"]["core_percent"] + r["pid1"]["core_percent"]


def real_runs(cpu: list[float]) -> list[float]:
    """A `systemctl start` that ran nothing (before the bench waited for the
    post step and lifted the start limit: a start that met the unit still
    deactivating, or was refused) is a few ms either side of zero, below any
    start of the Python steps. Those are left out."""
    return [c for c in cpu if c > 0.05]


def _fmt(v: float | None, scale: float, unit: str) -> str:
    return "not measured" if v is None else f"{v * scale:.2f} {unit}"


def targets(per_j: list[dict], per_n: list[dict]) -> str:
    """Issue 29's targets: 0.1.0's figure (raw-scale-0.1.json), this run's, met or not."""
    old = json.loads(OLD.read_text()) if OLD.exists() else {"jobs": [], "hosts": []}

    def med(rows, key, value, field):
        r = _pick(rows, key, value)
        return r[field]["median"] if r and r.get(field) else None

    def ran(rows, value):  # the median of the runs that ran: see real_runs()
        r = _pick(rows, "jobs", value)
        runs = real_runs(r["raw"]["run_cpu"]) if r else []
        return statistics.median(runs) if runs else None

    def first(rows, value):
        r = _pick(rows, "jobs", value)
        return r["enable_first"] if r else None

    def pss(rows, value):
        r = _pick(rows, "projects", value)
        return r["djops"]["pss_mib"] if r else None

    def idle(rows, value):
        return _idle(_pick(rows, "projects", value))

    checks = [  # (what, target text, limit, unit, getter(rows), scale)
        ("`djops enable P`, 1,000 jobs, first", "<= 15 s", 15, "s", lambda r: first(r, 1000), 1),
        (
            "`djops enable P`, 1,000 jobs, unchanged",
            "<= 3 s",
            3,
            "s",
            lambda r: med(r, "jobs", 1000, "enable_unchanged"),
            1,
        ),
        (
            "`djops status P`, 1,000 jobs",
            "<= 1 s",
            1,
            "s",
            lambda r: med(r, "jobs", 1000, "status_p"),
            1,
        ),
        (
            "`djops history P`, 1,000 jobs",
            "<= 1 s",
            1,
            "s",
            lambda r: med(r, "jobs", 1000, "history_p"),
            1,
        ),
        (
            "one job run, CPU beyond the command, 10 jobs",
            "<= 150 ms",
            150,
            "ms",
            lambda r: ran(r, 10),
            1000,
        ),
        (
            "one job run, CPU beyond the command, 1,000 jobs",
            "<= 150 ms",
            150,
            "ms",
            lambda r: ran(r, 1000),
            1000,
        ),
        (
            "`djops status`, 100 projects",
            "<= 1.5 s",
            1.5,
            "s",
            lambda r: med(r, "projects", 100, "status"),
            1,
        ),
        ("djops PSS, 1 project", "<= 40 MiB", 40, "MiB", lambda r: pss(r, 1), 1),
        ("djops PSS, 100 projects", "<= 64 MiB", 64, "MiB", lambda r: pss(r, 100), 1),
        (
            "idle CPU djops + PID 1, 100 projects",
            "<= 1% of a core",
            1,
            "%",
            lambda r: idle(r, 100),
            1,
        ),
    ]
    rows = []
    for what, text, limit, unit, get, scale in checks:
        on_jobs = "jobs" in what  # a row of the jobs phase, else of the projects'
        was = get(old["jobs"] if on_jobs else old["hosts"])
        now = get(per_j if on_jobs else per_n)
        met = "not measured" if now is None else ("met" if now * scale <= limit else "**not met**")
        was, now = _fmt(was, scale, unit), _fmt(now, scale, unit)
        rows.append(f"| {what} | {text} | {was} | {now} | {met} |")
    return "\n".join(rows)


def _beside(per_n: list[dict]) -> str:
    """What else the host ran while the jobs were measured."""
    if "--jobs-only" in sys.argv:
        return "alone on its host (--jobs-only: the projects' rows above are an earlier run's)"
    return f"the {max((r['projects'] for r in per_n), default=0)} projects above still enabled"


def render(per_j, per_n, cores, version, systemd, wall) -> str:
    missing = [f"J={j}" for j in JOBS if j not in [r["jobs"] for r in per_j]]
    missing += [f"N={n}" for n in PROJECTS if n not in [r["projects"] for r in per_n]]
    rows_j = "\n".join(
        f"| {r['jobs']} | {r['enable_first']:.2f} s | {shown(r['enable_unchanged'])} | "
        f"{shown(r['status_p'])} | {shown(r.get('history_p'))} | {shown(r['run_cpu'], 'ms', 1000, 0)} |"
        for r in per_j
    )
    rows_n = "\n".join(
        f"| {r['projects']} | {shown(r['status'])} | {r['enable_each_s']:.2f} s | {r['djops']['processes']} / "
        f"{r['djops']['pss_mib']:.1f} MiB ({roles(r)}) | {r['djops']['core_percent']:.2f}% + PID 1 "
        f"{r['pid1']['core_percent']:.2f}% | {r['monit']['pss_mib']:.1f} MiB, "
        f"{r['monit']['core_percent']:.2f}% | {r['cron']['pss_mib']:.2f} MiB, "
        f"{r['cron']['core_percent']:.2f}% |"
        for r in per_n
    )
    most = _pick(per_j, "jobs", max(JOBS))
    idle_j = ""
    if most and "idle" in most:
        w = most["idle"]
        idle_j = (
            f"\nIdle over {IDLE:.0f} s with these {most['jobs']} jobs enabled, {_beside(per_n)}: "
            f"djops {w['djops']['processes']} processes, "
            f"{w['djops']['pss_mib']:.1f} MiB PSS ({roles(w)}), "
            f"{w['djops']['core_percent']:.2f}% of a core + PID 1 {w['pid1']['core_percent']:.2f}%.\n"
        )
    if most and most.get("disable") is not None:
        idle_j += (
            f"\nThen `djops disable` of that project: {most['disable']:.1f} s (PID 1 drops "
            f"the {most['jobs']:,} jobs' timers, services and failure handlers it held).\n"
        )
    return f"""Measured {date.today()} by `make bench-scale` in one booted Debian 13 container
({cores} cores, {systemd}, djops {version} of this branch: one djops-health.service and
one djops-watch.service for the host), in {wall / 60:.0f} min. Figures are min / median /
max over {REPEAT} runs ({RUNS} for a job's run); raw: bench/raw-scale.json (0.1.0, per-project
daemons: bench/raw-scale-0.1.json). Cheap projects: P.toml files pointing at the demo's
code, venv, settings and gunicorn; jobs run /bin/true on distinct daily times.
{"Not measured in this run: " + ", ".join(missing) + "." if missing else ""}

Issue 29's targets, medians (0.1.0: the per-project djops-watch@P and djops-health@P):

| figure | target | 0.1.0 | this run | |
| --- | --- | --- | --- | --- |
{targets(per_j, per_n)}

Projects of 10 jobs each, enabled four at a time (`xargs -P4`). Idle over {IDLE:.0f} s
windows (the default health interval: every project's round once) that start 80 s after
the last enable (the steady state: the round after its daemon-reload has passed), monit (1 http + 1
process check per project, `set daemon 60`) and cron (10 daily lines per project) in the
same window:

| projects | djops status | enable, per project | djops processes / PSS | djops idle CPU (of a core) | monit PSS, CPU | cron PSS, CPU |
| --- | --- | --- | --- | --- | --- | --- |
{rows_n}

Jobs in one more project, {_beside(per_n)} and
the host daemons running (monit and cron stopped). A run is started with `systemctl start`
(no timer: no once-per-fleet claim, which runs the project's python); its CPU is its unit's
cgroup CPU (all djops steps) minus a bare unit's running /bin/true:

| jobs | enable (first) | enable (unchanged) | status P | history P | one run of a trivial job, CPU beyond the command |
| --- | --- | --- | --- | --- | --- |
{rows_j}
{idle_j}"""


def roles(w: dict) -> str:
    """PSS of each kind of djops process: health, watch, a command in passing."""
    got = w["djops"].get("roles", {})
    return ", ".join(f"{k} {v['pss_mib']:.1f}" for k, v in sorted(got.items())) or "none"


if __name__ == "__main__":
    import results

    sys.exit(results.entry(main, __doc__))
