"""`djops status [P]`: what an admin wants at 8 a.m., one screen per project
(or a line per enabled project): timer, watcher, health, heartbeat, mail,
and the last 24 hours of trouble from the journal."""

import time
from datetime import datetime

from djops.channels import registry
from djops.config import Config, restart_modes
from djops.events import (
    CLEARSESSIONS_RESULT,
    HEARTBEAT_RESULT,
    PRIORITY_NAMES,
    RELOAD_RESULT,
    WARNING,
)
from djops.health import probes
from djops.health import state as health_state
from djops.jobs.policy import pause_store
from djops.project import running
from djops.systemd import bulk, journal, lastruns, units
from djops.text import plural, span

# checks cheap enough to run again for the screen (one systemctl call, one
# journal read), and whose answer a user expects to move right after a run
LIVE = ("clearsessions", "jobs")


# what each line of a screen reads of a unit, all of it in one systemctl run
PROPS = ("ActiveState", "UnitFileState", "StatusText", "NextElapseUSecRealtime")
# past this many jobs the health round's view of the jobs check is shown
# rather than run again: a live run asks systemd a few things per job
LIVE_JOBS_MAX = 20


def one_line(
    p: str, shown: dict[str, dict[str, str]] | None = None, problems: int = 0, width: int = 16
) -> str:
    if shown is None:  # one project alone
        shown = bulk.show(units.HOST_DAEMONS, PROPS)
        problems = lastruns.problems([p], WARNING, 86400)[p]
    watch = shown.get(units.WATCH_HOST, {})
    hl = shown.get(units.HEALTH_HOST, {})
    checks = health_state.read(p).get("checks", {})
    failing = sorted(name for name, r in checks.items() if not r.get("ok", True))
    verdict = f"failing: {', '.join(failing)}" if failing else ("ok" if checks else "no round yet")
    return (
        f"{p:<{width}} watch {watch.get('ActiveState')}, health {hl.get('ActiveState')}: "
        f"{verdict}; {plural(problems, 'problem')} in 24 h"
    )


def overview() -> str:
    """A line per enabled project: one systemctl run and one pass over the
    journal for all of them (a host may have a hundred)."""
    projects = units.enabled_projects()
    if not projects:
        return "no project is enabled; `djops enable P` starts one"
    shown = bulk.show(units.HOST_DAEMONS, PROPS)
    problems = lastruns.problems(projects, WARNING, 86400)
    width = max(16, *(len(p) for p in projects))  # a long name moves the column
    return "\n".join(one_line(p, shown, problems[p], width) for p in projects)


Row = tuple[str, str] | str  # a labelled line of the screen, or a line as is
LABEL_MIN = 14  # the label column with short job names; a longer one widens it


def project(cfg: Config) -> str:
    p = cfg.name
    clearsessions = units.service(units.CLEARSESSIONS, p)
    shown = bulk.show_each(_asks(cfg))
    target = shown[units.target(p)]
    timer = shown[units.timer(units.CLEARSESSIONS, p)]
    beat = shown[units.timer(units.HEARTBEAT, p)]
    watch = shown[units.WATCH_HOST]
    state = health_state.read(p)
    last = lastruns.last_run(p, CLEARSESSIONS_RESULT, units.CLEARSESSIONS, by_job=False)
    rows: list[Row] = [
        f"{p}: djops@{p}.target {target.get('ActiveState')} ({target.get('UnitFileState')})",
        (
            "clearsessions",
            f"{_next(p, units.CLEARSESSIONS, timer)}; {_last(shown[clearsessions], last)}",
        ),
        *_jobs(cfg, shown),
        ("watcher", f"{watch.get('ActiveState')}: {watch.get('StatusText') or '-'}"),
        ("last reload", lastruns.last_event(p, RELOAD_RESULT)),
        *_socket(cfg, shown),
        (
            "health",
            _age(state.get("updated")) if state else "no state yet (djops-health not running?)",
        ),
    ]
    rows += _check_lines(cfg, state)
    rows += [
        (
            "heartbeat",
            f"last {lastruns.last_event(p, HEARTBEAT_RESULT)}; next "
            f"{beat.get('NextElapseUSecRealtime') or '-'}",
        ),
        *registry.lines(cfg),  # every channel: mail outbox, pings, notify
    ]
    return "\n".join(aligned(rows) + _trouble(cfg))


# what a job's two units show on the screen: its next run, its run under way
JOB_TIMER_PROPS = ("ActiveState", "NextElapseUSecRealtime")


def _asks(cfg: Config) -> dict[str, tuple[str, ...]]:
    """The units the screen shows and what it reads of each, in one read."""
    p, screen = cfg.name, (*PROPS, *running.PROPS)
    return {
        units.target(p): screen,
        units.timer(units.CLEARSESSIONS, p): screen,
        units.service(units.CLEARSESSIONS, p): screen,
        units.timer(units.HEARTBEAT, p): screen,
        units.WATCH_HOST: screen,
        **({units.socket(p): screen} if cfg.socket.listen else {}),
        **{units.job_timer(p, n): JOB_TIMER_PROPS for n in cfg.jobs},
        **{units.job_service(p, n): running.PROPS for n in cfg.jobs},
    }


def _check_lines(cfg: Config, state: dict) -> list[str]:
    """One line per health check: the last round's, or a run now for those
    cheap enough (LIVE), since a run a moment ago must show."""
    lines = []
    for name, r in state.get("checks", {}).items():
        if name in LIVE and (name != "jobs" or len(cfg.jobs) <= LIVE_JOBS_MAX):
            ok, detail = probes.run(name, cfg)
            r = {**r, "ok": ok, "detail": detail}
        word = "ok" if r["ok"] else f"FAILING x{r['ladder']['failures']}"
        lines.append(f"    {name:<14} {word:<12} {r['detail']}")
    return lines


def aligned(rows: list[Row]) -> list[str]:
    """The labels in one column as wide as the widest (at least LABEL_MIN):
    a long job name moves the column, it does not push its own line out."""
    width = max([LABEL_MIN, *(len(r[0]) for r in rows if isinstance(r, tuple))])
    return [f"  {r[0]:<{width}} {r[1]}" if isinstance(r, tuple) else r for r in rows]


def _trouble(cfg: Config) -> list[str]:
    """The last 24 hours of warnings or worse: a line per event."""
    p = cfg.name
    trouble = journal.recent(p, WARNING, 86400, tuple(cfg.jobs))
    lines = [f"  problems (24 h, warning or worse): {len(trouble) or 'none'}"]
    latest: dict[str, tuple[int, dict]] = {}  # event -> (count, newest entry)
    for e in trouble:
        ev = str(e.get("DJOPS_EVENT") or e.get("SYSLOG_IDENTIFIER") or "?")
        latest[ev] = (latest.get(ev, (0, e))[0] + 1, e)
    width = max([22, *(len(ev) for ev in latest)])
    for ev, (count, e) in sorted(latest.items(), key=lambda kv: kv[1][1]["__REALTIME_TIMESTAMP"]):
        when = e["__REALTIME_TIMESTAMP"].astimezone().strftime("%H:%M:%S")
        prio = PRIORITY_NAMES[int(e.get("PRIORITY", 6))]
        lines.append(f"    {count:>3}x {ev:<{width}} last {when} {prio:<7} {e.get('MESSAGE', '')}")
    if trouble:
        lines.append(f"  all of them: journalctl DJOPS_PROJECT={p} -p warning --since -24h")
    return lines


def _jobs(cfg: Config, shown: dict[str, dict[str, str]]) -> list[Row]:
    """One row per [jobs.NAME]: its next run, and the run under way or how
    the last one ended."""
    out: list[Row] = []
    last = lastruns.last_runs(cfg.name, list(cfg.jobs))
    for name, job in cfg.jobs.items():
        t = shown.get(units.job_timer(cfg.name, name), {})
        # @reboot: the timer has no calendar time, only "after each boot"
        nxt = "at boot" if job.schedule == "@reboot" else t.get("NextElapseUSecRealtime") or "-"
        nxt = _next(cfg.name, name, {"NextElapseUSecRealtime": nxt})
        run = shown.get(units.job_service(cfg.name, name), {})
        out.append((f"job {name}", f"{nxt}; {_last(run, last[name])}"))
    return out


def _last(service: dict[str, str], last: str) -> str:
    """ "last <how it ended>"; while a run is under way "running since
    HH:MM (N s)" before it, or instead of it before the first run ends."""
    under_way = running.since(service)
    if not under_way:
        return f"last {last}"
    return under_way if last == lastruns.NEVER else f"{under_way}; last {last}"


def _next(p: str, name: str, timer: dict[str, str]) -> str:
    """ "paused (until ...)" while `djops pause` holds the job (clearsessions
    too: its timer keeps running, its runs are skipped), else its next run."""
    return (
        pause_store.shown(pause_store.active(p, name))
        or f"next {timer.get('NextElapseUSecRealtime') or '-'}"
    )


def _socket(cfg: Config, shown: dict[str, dict[str, str]]) -> list[Row]:
    """The held socket, and the figures of the last hand-over (if the last
    applied reload was one)."""
    if not cfg.socket.listen:
        return [("socket", "none: gunicorn binds itself ([socket] listen not set)")]
    sock = units.socket(cfg.name)
    state = shown.get(sock, {}).get("ActiveState", "?")
    lines: list[Row] = [("socket", f"{sock} {state}: {', '.join(cfg.socket.listen)}")]
    last = journal.last_event(cfg.name, ("reload.applied",))
    mode = restart_modes.MODES.get(str(last.get("DJOPS_MODE"))) if last else None
    if last and mode and mode.standin and last.get("DJOPS_STANDIN_WARM"):
        when = last["__REALTIME_TIMESTAMP"].astimezone().strftime("%Y-%m-%d %H:%M:%S")
        mib = int(last.get("DJOPS_STANDIN_MEMORY") or 0) >> 20
        lines.append(
            (
                "last handover",
                f"{when}: stand-in warm after {last['DJOPS_STANDIN_WARM']} s, "
                f"{cfg.project.service} warm after {last['DJOPS_SERVICE_WARM']} s, "
                f"stand-in {mib} MiB",
            )
        )
    return lines


def _age(stamp: float | None) -> str:
    """How old the health round's view is, in text.span()'s units as the
    rest of the screen: a daemon stopped a day ago reads "24 h", not
    "86400s"."""
    if not stamp:
        return "-"
    ago = max(time.time() - stamp, 0.0)
    return f"checked {span(ago)} ago ({datetime.fromtimestamp(stamp):%H:%M:%S})"
