"""`djops status [P]`: what an admin wants at 8 a.m., one screen per project
(or a line per enabled project): timer, watcher, health, heartbeat, mail,
and the last 24 hours of trouble from the journal."""

import time
from datetime import datetime

from djops.channels import mail, notifyqueue
from djops.config import Config
from djops.events import (
    CLEARSESSIONS_RESULT,
    HEARTBEAT_RESULT,
    JOB_RESULT,
    PRIORITY_NAMES,
    RELOAD_RESULT,
    WARNING,
)
from djops.health import probes
from djops.health import state as health_state
from djops.systemd import history, journal, paused, systemctl, units

# checks cheap enough to run again for the screen (one systemctl call, one
# journal read), and whose answer a user expects to move right after a run
LIVE = ("clearsessions", "jobs")


def one_line(p: str) -> str:
    watch = systemctl.show(units.service(units.WATCH, p), "ActiveState", "StatusText")
    hl = systemctl.show(units.service(units.HEALTH, p), "ActiveState", "StatusText")
    problems = len(journal.recent(p, WARNING, 86400))
    return (
        f"{p:<16} watch {watch.get('ActiveState')}, health {hl.get('ActiveState')}: "
        f"{hl.get('StatusText') or '-'}; {problems} problems in 24 h"
    )


def overview() -> str:
    projects = units.enabled_projects()
    if not projects:
        return "no project is enabled; `djops enable P` starts one"
    return "\n".join(one_line(p) for p in projects)


def project(cfg: Config) -> str:
    p = cfg.name
    target = systemctl.show(units.target(p), "ActiveState", "UnitFileState")
    timer = systemctl.show(units.timer(units.CLEARSESSIONS, p), "NextElapseUSecRealtime")
    beat = systemctl.show(units.timer(units.HEARTBEAT, p), "NextElapseUSecRealtime")
    watch = systemctl.show(units.service(units.WATCH, p), "ActiveState", "StatusText")
    state = health_state.read(p)
    lines = [
        f"{p}: djops@{p}.target {target.get('ActiveState')} ({target.get('UnitFileState')})",
        f"  clearsessions  {_next(p, units.CLEARSESSIONS, timer)}; "
        f"last {history.last_run(p, CLEARSESSIONS_RESULT, units.CLEARSESSIONS, by_job=False)}",
        *_jobs(cfg),
        f"  watcher        {watch.get('ActiveState')}: {watch.get('StatusText') or '-'}",
        f"  last reload    {history.last_event(p, RELOAD_RESULT)}",
        *_socket(cfg),
        "  health         "
        + (_age(state.get("updated")) if state else "no state yet (djops-health not running?)"),
    ]
    for name, r in state.get("checks", {}).items():
        if name in LIVE:  # a run a moment ago must show, not the last round's view
            ok, detail = probes.run(name, cfg)
            r = {**r, "ok": ok, "detail": detail}
        word = "ok" if r["ok"] else f"FAILING x{r['ladder']['failures']}"
        lines.append(f"    {name:<14} {word:<12} {r['detail']}")
    lines += [
        f"  heartbeat      last {history.last_event(p, HEARTBEAT_RESULT)}; next "
        f"{beat.get('NextElapseUSecRealtime') or '-'}",
        f"  mail outbox    {len(mail.pending())} waiting",
        f"  notify         {notifyqueue.summary(p, cfg.notify.urls)}",
    ]
    trouble = journal.recent(p, WARNING, 86400, tuple(cfg.jobs))
    lines.append(f"  problems (24 h, warning or worse): {len(trouble) or 'none'}")
    latest: dict[str, tuple[int, dict]] = {}  # event -> (count, newest entry)
    for e in trouble:
        ev = str(e.get("DJOPS_EVENT") or e.get("SYSLOG_IDENTIFIER") or "?")
        latest[ev] = (latest.get(ev, (0, e))[0] + 1, e)
    for ev, (count, e) in sorted(latest.items(), key=lambda kv: kv[1][1]["__REALTIME_TIMESTAMP"]):
        when = e["__REALTIME_TIMESTAMP"].astimezone().strftime("%H:%M:%S")
        prio = PRIORITY_NAMES[int(e.get("PRIORITY", 6))]
        lines.append(f"    {count:>3}x {ev:<22} last {when} {prio:<7} {e.get('MESSAGE', '')}")
    if trouble:
        lines.append(f"  all of them: journalctl DJOPS_PROJECT={p} -p warning --since -24h")
    return "\n".join(lines)


def _jobs(cfg: Config) -> list[str]:
    """One line per [jobs.NAME]: its next run and how the last one ended."""
    out = []
    for name, job in cfg.jobs.items():
        t = systemctl.show(units.job_timer(cfg.name, name), "NextElapseUSecRealtime")
        # @reboot: the timer has no calendar time, only "after each boot"
        nxt = "at boot" if job.schedule == "@reboot" else t.get("NextElapseUSecRealtime") or "-"
        nxt = _next(cfg.name, name, {"NextElapseUSecRealtime": nxt})
        out.append(f"  job {name:<10} {nxt}; last {history.last_run(cfg.name, JOB_RESULT, name)}")
    return out


def _next(p: str, name: str, timer: dict[str, str]) -> str:
    """ "paused (until ...)" while `djops pause` holds the job (clearsessions
    too: its timer keeps running, its runs are skipped), else its next run."""
    return (
        paused.shown(paused.active(p, name)) or f"next {timer.get('NextElapseUSecRealtime') or '-'}"
    )


def _socket(cfg: Config) -> list[str]:
    """The held socket, and the figures of the last hand-over (if the last
    applied reload was one)."""
    if not cfg.socket.listen:
        return ["  socket         none: gunicorn binds itself ([socket] listen not set)"]
    sock = units.socket(cfg.name)
    state = systemctl.show(sock, "ActiveState").get("ActiveState", "?")
    lines = [f"  socket         {sock} {state}: {', '.join(cfg.socket.listen)}"]
    last = journal.last_event(cfg.name, ("reload.applied",))
    if last and last.get("DJOPS_MODE") == "handover" and last.get("DJOPS_STANDIN_WARM"):
        when = last["__REALTIME_TIMESTAMP"].astimezone().strftime("%Y-%m-%d %H:%M:%S")
        mib = int(last.get("DJOPS_STANDIN_MEMORY") or 0) >> 20
        lines.append(
            f"  last handover  {when}: stand-in warm after {last['DJOPS_STANDIN_WARM']} s, "
            f"{cfg.project.service} warm after {last['DJOPS_SERVICE_WARM']} s, "
            f"stand-in {mib} MiB"
        )
    return lines


def _age(stamp: float | None) -> str:
    if not stamp:
        return "-"
    ago = time.time() - stamp
    return f"checked {ago:.0f}s ago ({datetime.fromtimestamp(stamp):%H:%M:%S})"
