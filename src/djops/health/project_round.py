"""One project's health round, run by djops-health.service (djops.health.host)
every interval_seconds: the checks, the project's one incident (its
escalation ladder: alert, reminder, the restart that heals what a restart
can heal, recovery; djops.health.incident), and the state that `djops
heartbeat` and `djops status` report.
"""

import contextlib
import dataclasses
import time
from collections.abc import Callable

from djops.config import Config
from djops.events import CRIT, WARNING
from djops.health import causes, incident, planned, probes, state
from djops.jobs.policy import lapses
from djops.mail import notices, threads
from djops.metrics import collect, textfile
from djops.systemd import bulk, dbus_state, journal, systemctl, units


class Health:
    def __init__(self, cfg: Config):
        self.cfg = cfg
        saved, ignored = state.load(cfg.name)
        if ignored:
            journal.emit("state.ignored", cfg.name, ignored, REASON=ignored)
        h = cfg.health
        self.incident = incident.Incident(
            h.warn_after, h.alert_after, h.restart_after, cfg.project.service
        )
        if "incident" in saved:
            self.incident.load(saved["incident"])
        else:  # the state of 0.1 (or none): its per-check ladders, taken over
            self.incident.adopt(saved.get("checks"))
        self.checks: list[str] = []  # the enabled checks, the upstream ones first
        self.results: dict[str, dict] = {}
        self.healing: dict | None = None  # the window of the restart health queued
        self._follow_config()
        self.unsent: list[tuple[incident.Step, str]] = []  # mails the outbox had no room for
        self.synced: dict | None = None  # the incident as last synced to disk
        self.failing: set[str] = set()  # faults already logged, until they clear
        # whether P is still enabled: `djops disable` removes djops_P.prom, and
        # a round still in flight then must not write it again
        self.wanted: Callable[[], bool] = lambda: True
        # what the round reads of the project's units; the host daemon shares
        # one read of every project's units between the rounds due together
        self.unit_state: Callable[[Config], dict] = own_units

    def _follow_config(self) -> None:
        """The checks and the thresholds of the config last loaded: a check
        that comes (the settings moved to a database server) is probed from
        the next round, one that goes leaves the results."""
        h = self.cfg.health
        self.incident.follow(h.warn_after, h.alert_after, h.restart_after, self.cfg.project.service)
        # the upstream checks (the database) first: a site failing because of
        # them must know it in the same round
        self.checks = sorted(probes.enabled(self.cfg), key=lambda n: n not in causes.UPSTREAM)
        for name in set(self.results) - set(self.checks):
            del self.results[name]

    def round(self) -> None:
        """Probe everything, move the incident, save, then act: the mails of a
        round show that round's counts, and a crash while acting never
        replays an alert on restart (the incident was saved first)."""
        # the unit state may be a read shared with rounds that began up to
        # STATE_AGE earlier (health.host): a planned window that closed in
        # that time still explains what it shows
        start = time.time() - STATE_AGE
        self._follow_config()
        # every unit of the project in ONE systemctl call: no process per job
        snapshot = self.unit_state(self.cfg)
        svc = self.cfg.project.service
        # PID 1 did not answer the read (busy with a reload of thousands of
        # units): what the unit checks would say is unknown, not a failure
        blind = incident.FROM_UNITS if svc in snapshot and not snapshot[svc] else ()
        with systemctl.using(snapshot):
            self._round(start, blind)

    def _round(self, start: float, blind: tuple[str, ...] = ()) -> None:
        p, svc = self.cfg.name, self.cfg.project.service
        probed = {name: probes.run(name, self.cfg) for name in self.checks}
        now = time.time()
        # what djops itself did to P.service while the probes ran is no trouble
        window = planned.active(p, now, since=start)
        last = {n: (False, d) for n, d in self.incident.details.items()}
        cause, how = causes.first_cause(probed, last)
        inc = self.incident
        if inc.id and threads.opened_by_failure(p, inc.id, inc.since, before=start):
            inc.ladder.alerted = True  # P.service's failure mail said it: its recovery is owed
        steps = inc.observe(probed, now, planned=bool(window), unknown=blind)
        if not inc.id and not steps:  # a recovery answers the thread first
            threads.settle(p, before=start)  # a failure that was over before a round saw it
        if self.healing and all(probed[n][0] for n in incident.PLANNED if n in probed):
            # the restart healed: its window closes now, not at its bound, so
            # gunicorn dying again a minute later is seen at once
            planned.clear(p, self.healing, now=start)  # as of the state this round read
            self.healing = None
        for name, (ok, detail) in probed.items():
            if not ok and name in blind:
                detail += " (systemd did not answer: not counted)"
            elif not ok and window and name in incident.PLANNED:
                detail += f" (planned: {window})"
            elif not ok and cause and name in incident.HEALABLE:
                detail += causes.note(cause, how, svc)
            failures = 0 if ok else self.incident.streaks.get(name, 0)
            self.results[name] = {
                "ok": ok,
                "detail": detail,
                "at": now,
                "ladder": {"failures": failures},
            }
        self._save(now)
        self._metrics(now)
        self._retry_unsent()
        for step in steps:
            self._act(step)

    def _act(self, s: incident.Step) -> None:
        """Restart if the step says so, log the step, mail it."""
        p, svc = self.cfg.name, self.cfg.project.service
        if s.step.restart:
            # a window first: what the restart does to service and http is
            # djops' own doing. Queued, not awaited: a unit slow to stop must
            # not stall the loop (and the watchdog); the next rounds show
            # whether it helped
            with contextlib.suppress(OSError, ValueError):
                self.healing = planned.mark(p, planned.RESTART_SECONDS, "self-healing restart")
            proc = systemctl.run("restart", "--no-block", svc, check=False)
            s = dataclasses.replace(
                s,
                detail=s.detail
                + f"; restart of {svc} "
                + ("queued" if proc.returncode == 0 else f"failed: {proc.stderr.strip()}"),
            )
        text = notices.incident_line(p, s)
        journal.emit(
            s.step.event,
            p,
            text,
            s.step.priority,
            CHECK=",".join(s.checks),
            CAUSE=s.cause,
            INCIDENT=s.incident,
            REASON=s.detail,
            FAILURES=s.failures,
            SERVICE=svc,
        )
        if s.step.mail:
            self._mail(s, text)

    def _mail(self, s: incident.Step, line: str) -> None:
        try:
            notices.incident_mail(self.cfg, s, line, self.status())
        except OSError as e:  # the outbox is full or broken: keep it here, retry
            self.unsent.append((s, line))
            self._cannot("mail.failed", "keep an alert mail in the outbox", e)
        else:
            self.failing.discard("mail.failed")

    def _retry_unsent(self) -> None:
        unsent, self.unsent = self.unsent, []
        for s, line in unsent:
            self._mail(s, line)

    def _cannot(self, event: str, what: str, e: Exception, priority: int = CRIT) -> None:
        """Log a fault once, not every round, until it clears."""
        if event in self.failing:
            return
        self.failing.add(event)
        why = getattr(e, "strerror", None) or f"{type(e).__name__}: {e}"
        reason = f"djops-health could not {what}: {why}; it retries every round"
        journal.emit(event, self.cfg.name, reason, priority, REASON=reason)

    def status(self) -> str:
        parts = []
        for name in self.checks:
            r = self.results.get(name)
            if r is None:
                parts.append(f"{name} ?")
            elif r["ok"]:
                parts.append(f"{name} ok")
            else:
                parts.append(f"{name} FAILING x{r['ladder']['failures']}")
        return ", ".join(parts)

    def _metrics(self, now: float) -> None:
        """djops_P.prom for node-exporter; a failure here never stops the checks."""
        d = self.cfg.metrics.textfile_dir
        if not textfile.wanted(d) or not self.wanted():
            return
        try:
            textfile.write(
                d,
                self.cfg.name,
                collect.families(self.cfg, self.results, now, lapses.latest.get(self.cfg.name, {})),
            )
        except Exception as e:
            where = textfile.path(d, self.cfg.name)
            self._cannot("metrics.failed", f"write {where}", e, WARNING)
        else:
            self.failing.discard("metrics.failed")

    def _save(self, now: float) -> None:
        """Synced to disk when the incident moved (the ladder must survive a
        power cut); a round that only says "still ok" is not (two fsyncs a
        round were a tenth of the daemon's idle CPU at 100 projects)."""
        incident = self.incident.to_dict()
        try:
            state.save(
                self.cfg.name,
                {"updated": now, "checks": self.results, "incident": incident},
                durable=incident != self.synced,
            )
        except OSError as e:  # disk full: the daemon goes on, from memory
            self._cannot("state.failed", f"save {state.path(self.cfg.name)}", e)
        else:
            self.synced = incident
            self.failing.discard("state.failed")


# what the checks and the metrics read of the project's units (systemctl.show),
# each kind only its own: a service's run, a timer's elapses; every property
# more is one more question to PID 1 per unit and round
STATE_AGE = 2.0  # seconds: how old a round's unit state may be (one read shared by rounds)
SERVICE_PROPERTIES = (
    "ActiveState",
    "SubState",
    "ExecMainStartTimestampMonotonic",
    "ExecMainExitTimestampMonotonic",
    "ExecMainStatus",
    "Result",
    "InvocationID",
)
TIMER_PROPERTIES = (
    "ActiveState",
    "SubState",
    "ActiveEnterTimestampMonotonic",
    "LastTriggerUSec",
    "NextElapseUSecRealtime",
)


def properties(unit: str) -> tuple[str, ...]:
    return TIMER_PROPERTIES if unit.endswith(".timer") else SERVICE_PROPERTIES


# what the daemon's reads keep between rounds: a unit that did not change
# since is asked one stamp, not its three properties
MEMORY = dbus_state.Memory()


def unit_state(names: list[str]) -> dict[str, dict]:
    """The units' state in ONE read: no process per job."""
    return bulk.show_each({u: properties(u) for u in names}, utc=True, memory=MEMORY)


def own_units(cfg: Config) -> dict[str, dict]:
    return unit_state(watched_units(cfg))


def watched_units(cfg: Config) -> list[str]:
    p = cfg.name
    out = [cfg.project.service, units.service(units.RELOAD, p)]
    out += [units.service(units.CLEARSESSIONS, p), units.timer(units.CLEARSESSIONS, p)]
    for name in cfg.jobs:
        out += [units.job_service(p, name), units.job_timer(p, name)]
    return out
