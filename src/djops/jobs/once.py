"""Once per fleet, from inside a run's unit (djops-job@P:NAME,
djops-clearsessions@P): whether this host runs this occurrence.

Only a run its timer started claims (systemd sets $TRIGGER_UNIT): `djops run`
and `djops clearsessions` typed by an operator run here, now. A claim is
held by the project's python for the run's length (djops.jobs.claim);
the window is half the schedule's period, so the same occurrence fired by
every host's timer minutes apart runs on one of them. The unit is
Type=notify: READY=1 comes once this is decided, with STATUS= saying so,
and its root steps after READY (the /start ping) see a skipped run by that
status and stay silent.
"""

import contextlib
import os
from collections.abc import Iterator
from typing import NamedTuple

from djops import oncalendar
from djops.config import Config
from djops.config.values import CALENDAR, shown
from djops.errors import ConfigError, OperationError
from djops.jobs import claim
from djops.systemd import journal, sd_notify, units
from djops.text import printable, span

REBOOT = "@reboot"  # every host boots for itself: no claim


class Turn(NamedTuple):  # not a dataclass: every job run imports this (inspect, ast)
    run: bool
    text: str = ""  # why not
    held: claim.Held | None = None
    status: str = ""  # the STATUS= it set, which the run's end adds to

    def done(self, status: int | None) -> None:
        if self.held is not None:
            self.held.end(status)


def wanted(once: bool, schedule: str) -> bool:
    return once and schedule != REBOOT and bool(os.environ.get("TRIGGER_UNIT"))


@contextlib.contextmanager
def turn(
    cfg: Config, job: str, schedule: str, once: bool, failed: str = "job.failed"
) -> Iterator[Turn]:
    p, notifier = cfg.name, sd_notify.Notifier()
    if not wanted(once, schedule):
        notifier.ready(said := f"running {job} here")
        yield Turn(True, status=said)
        return
    window = (_period(cfg, job, schedule) or 120.0) / 2
    host = os.uname().nodename  # socket.gethostname(), without socket's import
    with claim.hold(cfg, units.job_instance(p, job), host, window) as held:
        d = held.decision
        if d.get("error"):
            raise _unclaimed(failed, p, job, str(d["error"]))
        if d.get("run"):
            notifier.ready(said := f"claimed this occurrence; running {job} on {host}")
            yield Turn(True, held=held, status=said)
            return
        # a value from the database (the project user can write it): printable, short
        holder = printable(str(d.get("holder") or "another host"), newlines=False)[:100]
        ago = d.get("ago")
        how = "is running it" if d.get("running") else "ran it"
        # the claim's age: when the holder started this occurrence, not when it ended
        when = f" (started {span(ago)} ago)" if isinstance(ago, (int, float)) else ""
        text = f"job {job} of {p} skipped: {holder} {how}{when}"
        journal.emit("job.skipped", p, text, JOB=job, HOLDER=holder, **_judged(d))
        notifier.ready(f"{sd_notify.SKIPPED}{holder} {how}")
        yield Turn(False, text=text)


def _period(cfg: Config, job: str, schedule: str) -> float | None:
    """The schedule's period (None: it elapses once, or systemd cannot say).
    The load at run time does not ask systemd about schedules (`djops
    enable` did); one edited into something systemd cannot read since is
    a config error here, in one line, not a window guessed from nothing."""
    period = oncalendar.period(schedule, floor=0)
    if period is None and not _readable(schedule):
        key = "[clearsessions] schedule" if job == units.CLEARSESSIONS else f"[jobs.{job}] schedule"
        raise ConfigError(
            str(cfg.path),
            key,
            f"{CALENDAR}; `djops enable {cfg.name}` checks it",
            shown(schedule),
        )
    return period


def _readable(schedule: str) -> bool:
    try:
        return oncalendar.valid(schedule)
    except oncalendar.Unavailable:  # cannot tell: not this run's fault
        return True


def _judged(decision: dict) -> dict[str, float]:
    """What health judges a skip by (djops.health.on_time): the holder's
    claim's age, and when any host last finished with exit 0. The skip
    itself proves no run: anyone can hold the lock or write the table."""
    out = {}
    for key in ("held_for", "succeeded_ago"):
        value = decision.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            out[key] = value
    return out


def _unclaimed(event: str, p: str, job: str, why: str) -> OperationError:
    """Nobody knows who runs it: fail (and mail) rather than run it twice.
    The reason may quote the database's or the project's exception text."""
    why = printable(why, newlines=False)
    text = f"{job} of {p} failed: could not claim this occurrence: {why}"
    if event:  # "": the caller has it logged (clearsessions: by root's post step)
        journal.emit(event, p, text, JOB=job, EXIT=1, DURATION=0, REASON=why)
    return OperationError(text)
