"""`djops clearsessions P`: remove expired sessions (the cron job it replaces:
`/etc/cron.daily/P-clearsessions`).

Inside its unit (`--here`) it does the work and logs the event. Typed by root
in a terminal, it starts the unit instead, so the run has the same user,
sandbox, journal trail and failure mail as the scheduled one, and shows the
run's progress lines (a line every few seconds on a big table) as they come.
"""

import time

from djops import terminal
from djops.bridge import project_python
from djops.config import Config
from djops.errors import OperationError
from djops.events import CLEARSESSIONS_RESULT
from djops.jobs import once
from djops.systemd import journal, oneshot, units
from djops.text import plural, span

JOB = units.CLEARSESSIONS  # its name among the jobs (metrics, job.skipped, claims)


def run_here(cfg: Config) -> str:
    p, c = cfg.name, cfg.clearsessions
    with once.turn(cfg, JOB, c.schedule, c.once, "clearsessions.failed") as turn:
        if not turn.run:
            return turn.text
        started = time.monotonic()
        res = project_python.run(
            cfg,
            "clearsessions",
            *("--batch-size", str(c.batch_size)),
            *("--max-replica-lag", str(c.max_replica_lag_seconds)),
        )
        seconds = round(time.monotonic() - started, 3)
        turn.done(res.status)
    data = res.data
    _raise_unless_done(p, res, seconds)
    rows, engine, db = data.get("rows"), data.get("engine"), data.get("database", "")
    text = _done_text(p, data, seconds)
    journal.emit(
        "clearsessions.done",
        p,
        text,
        ROWS=rows or 0,
        BATCHES=data.get("batches", 0),
        DURATION=seconds,
        LONGEST=data.get("longest", 0),
        ENGINE=engine,
        DATABASE=db,
        JOB=JOB,
    )
    return text


def _raise_unless_done(p: str, res: project_python.Result, seconds: float) -> None:
    """Log an interrupted or failed run (clearsessions.interrupted/.failed) and raise."""
    data = res.data
    if data.get("interrupted"):
        journal.emit(
            "clearsessions.interrupted",
            p,
            f"clearsessions of {p} interrupted after removing "
            + plural(data.get("rows", 0), "expired session"),
            ROWS=data.get("rows", 0),
            DURATION=seconds,
            JOB=JOB,
        )
        raise OperationError(f"clearsessions of {p} was interrupted")
    if not res.ok:
        reason = data.get("error", "unknown error")
        journal.emit(
            "clearsessions.failed",
            p,
            f"clearsessions of {p} failed: {reason}",
            REASON=reason,
            JOB=JOB,
        )
        raise OperationError(f"clearsessions of {p} failed: {reason}")


def _done_text(p: str, data: dict, seconds: float) -> str:
    """What clearsessions.done says: rows, batches, the longest, any waits."""
    rows, engine, db = data.get("rows"), data.get("engine"), data.get("database", "")
    if rows is None:  # cache, file or signed-cookie sessions: the engine cleans up itself
        return f"expired sessions of {p} cleared by {engine} in {span(seconds)}"
    return (
        f"removed {plural(rows, 'expired session')} of {p} in {span(seconds)} "
        f"({plural(data.get('batches'), 'batch', 'batches')} on {db}, "
        f"longest {span(data.get('longest', 0))}"
        + (f", waited {span(data['waited'])} for replicas" if data.get("waited") else "")
        + (
            f", {data['stepped_around']} of them stepped around rows a request held"
            if data.get("stepped_around")
            else ""
        )
        + ")"
    )


def run_via_unit(cfg: Config) -> str:
    """At a terminal, the run's progress lines are printed as they come."""
    show = terminal.printer() if terminal.attached() else None
    unit = units.service(units.CLEARSESSIONS, cfg.name)
    return oneshot.run(cfg, unit, CLEARSESSIONS_RESULT, show=show)
