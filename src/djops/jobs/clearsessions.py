"""`djops clearsessions P`: remove expired sessions (the cron job it replaces:
`/etc/cron.daily/P-clearsessions`).

Inside its unit (`--here`) it does the work as the project user and says
what it removed in its last STATUS= (djops.jobs.verdict.said_cleared); root's
post step (`djops job --after P:clearsessions`) logs the result event from
systemd's record of the run with those rows: the project's python runs in
this unit too, so nothing logged from here counts as the run's result.
Typed by root in a terminal, it starts the unit instead, so the run has the
same user, sandbox, journal trail and failure mail as the scheduled one, and
shows the run's progress lines (a line every few seconds on a big table) as
they come.
"""

import time

from djops import terminal
from djops.bridge import project_python
from djops.config import Config
from djops.errors import OperationError
from djops.events import CLEARSESSIONS_RESULT
from djops.jobs import once, verdict
from djops.systemd import journal, oneshot, sd_notify, units

JOB = units.CLEARSESSIONS  # its name among the jobs (metrics, job.skipped, claims)


def run_here(cfg: Config) -> str:
    p, c = cfg.name, cfg.clearsessions
    started, status = time.monotonic(), ""
    try:
        # no clearsessions.failed from here when no claim is had: root's is the one
        with once.turn(cfg, JOB, c.schedule, c.once, failed="") as turn:
            if not turn.run:
                return turn.text
            status, started = turn.status, time.monotonic()
            res = project_python.run(
                cfg,
                "clearsessions",
                *("--batch-size", str(c.batch_size)),
                *("--max-replica-lag", str(c.max_replica_lag_seconds)),
            )
            turn.done(res.status)
    except OperationError as e:  # could not claim this occurrence: nobody knows who runs it
        res = project_python.Result(1, {"error": str(e).removeprefix(f"{JOB} of {p} failed: ")})
    seconds = round(time.monotonic() - started, 3)
    facts = verdict.cleared_facts(res.data)
    stopped = bool(res.data.get("interrupted"))
    code = 0 if res.ok and not stopped else 1
    sd_notify.Notifier().status(verdict.said_cleared(facts, code, seconds, stopped, status))
    # root's post step logs the same words (a run outside the unit: only here)
    result = "success" if code == 0 else "exit-code"
    relay = verdict.Said(stopped, code, seconds)
    said = verdict.judge_cleared(p, result, "exited", str(code), relay, facts, seconds)
    text = journal.logged_by_root(said[1] if said else f"clearsessions of {p} ended")
    if code:
        raise OperationError(text)
    return text


def run_via_unit(cfg: Config) -> str:
    """At a terminal, the run's progress lines are printed as they come."""
    show = terminal.printer() if terminal.attached() else None
    unit = units.service(units.CLEARSESSIONS, cfg.name)
    return oneshot.run(cfg, unit, CLEARSESSIONS_RESULT, show=show)
