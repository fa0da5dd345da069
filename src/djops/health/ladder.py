"""The escalation ladder of one health check, counted in consecutive failures.

warn_after: degraded (warning) · alert_after: alert (err) and an alert mail ·
restart_after: one restart of P.service (crit), for checks that a restart can
heal · beyond: alert at alert priority with a reminder mail, at most hourly ·
recovery: recovered (notice) and a recovery mail if an alert went out.
One restart per outage: the restart is re-armed only by a passing check.
A restart held back (the database is down: restarting the site cannot heal
it) is said once and comes in the first failing round that is not held.
"""

from dataclasses import dataclass

from djops.events import ALERT, ERR

REMIND_EVERY = 3600.0


@dataclass(frozen=True)
class Step:
    event: str  # health.degraded | .alert | .restarted | .restart_held | .recovered
    priority: int | None = None  # None: the event's own
    mail: str | None = None  # alert | reminder | recovery
    restart: bool = False


@dataclass
class Ladder:
    warn_after: int
    alert_after: int
    restart_after: int
    can_restart: bool
    failures: int = 0
    restarted: bool = False
    alerted: bool = False
    last_reminder: float = 0.0
    held: bool = False  # the restart is due, but held back (said once)
    restarted_at: int = 0  # the failure count of the restart, for the reminder after it

    def observe(
        self, ok: bool, now: float, hold: bool = False, healable: int | None = None
    ) -> list[Step]:
        """The steps of this round; `hold`: a restart must not happen now (the
        failure's cause is one a restart cannot heal); `healable`: how long
        what a restart heals has failed, when less than the ladder (an
        incident that began with a check no restart heals), for restart_after."""
        if ok:
            steps = []
            if self.failures >= self.warn_after:
                steps.append(Step("health.recovered", mail="recovery" if self.alerted else None))
            self.failures, self.restarted, self.alerted, self.held = 0, False, False, False
            return steps
        self.failures += 1
        f, steps = self.failures, []
        # wall-clock time, so it survives restarts; a clock set back must not
        # hold the next reminder until it catches up
        self.last_reminder = min(self.last_reminder, now)
        if f == self.warn_after:
            steps.append(Step("health.degraded"))
        if f == self.alert_after:
            steps.append(Step("health.alert", ERR, mail="alert"))
            self.alerted, self.last_reminder = True, now
        due = (f if healable is None else healable) >= self.restart_after
        if self.can_restart and due and not self.restarted:
            if not hold:
                steps.append(Step("health.restarted", restart=True))
                self.restarted, self.held, self.restarted_at = True, False, f
            elif not self.held:
                steps.append(Step("health.restart_held"))
                self.held = True
        beyond = max(self.alert_after, self.restart_after if self.can_restart else 0)
        if (f > beyond and now - self.last_reminder >= REMIND_EVERY) or (
            self.restarted and f == self.restarted_at + 1
        ):
            steps.append(Step("health.alert", ALERT, mail="reminder"))
            self.alerted, self.last_reminder = True, now
        return steps

    def to_dict(self) -> dict:
        return {
            "failures": self.failures,
            "restarted": self.restarted,
            "alerted": self.alerted,
            "last_reminder": self.last_reminder,
            "held": self.held,
            "restarted_at": self.restarted_at,
        }

    def load(self, saved: dict) -> None:
        """Take what a saved state says, where it has the right type."""
        kinds = {
            "failures": int,
            "restarted": bool,
            "alerted": bool,
            "last_reminder": float,
            "held": bool,
            "restarted_at": int,
        }
        for k, kind in kinds.items():
            v = saved.get(k) if isinstance(saved, dict) else None
            if isinstance(v, kind | int) and not (kind is int and isinstance(v, bool)):
                setattr(self, k, kind(v))
