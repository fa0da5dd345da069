"""One project's health round, run by djops-health.service (djops.health.host)
every interval_seconds: the checks, each check's escalation ladder, the
restart that heals what a restart can heal, and the state that `djops
heartbeat` and `djops status` report.
"""

import time
from collections.abc import Callable

from djops.config import Config
from djops.events import CRIT, WARNING
from djops.health import causes, jobwatch, ladder, probes, state
from djops.mail import notices
from djops.metrics import collect, textfile
from djops.systemd import bulk, journal, systemctl, units


class Health:
    def __init__(self, cfg: Config):
        self.cfg = cfg
        saved, ignored = state.load(cfg.name)
        if ignored:
            journal.emit("state.ignored", cfg.name, ignored, REASON=ignored)
        self.saved = saved.get("checks", {})
        self.ladders: dict[str, ladder.Ladder] = {}
        self.results: dict[str, dict] = {}
        self._follow_checks()
        self.unsent: list[tuple[str, str, str]] = []  # mails the outbox had no room for
        self.restart_queued = ""  # the check whose step queued this outage's restart
        self.failing: set[str] = set()  # faults already logged, until they clear
        # whether P is still enabled: `djops disable` removes djops_P.prom, and
        # a round still in flight then must not write it again
        self.wanted: Callable[[], bool] = lambda: True
        # what the round reads of the project's units; the host daemon shares
        # one read of every project's units between the rounds due together
        self.unit_state: Callable[[Config], dict] = own_units

    def _follow_checks(self) -> None:
        """A ladder per enabled check; a check that comes (the settings moved
        to a database server) starts from its saved state, one that goes is
        dropped with its ladder."""
        h, names = self.cfg.health, probes.enabled(self.cfg)
        for name in names:
            if name not in self.ladders:
                lad = ladder.Ladder(
                    h.warn_after, h.alert_after, h.restart_after, probes.CHECKS[name][1]
                )
                entry = self.saved.get(name)
                lad.load(entry.get("ladder", {}) if isinstance(entry, dict) else {})
                self.ladders[name] = lad
        for name in set(self.ladders) - set(names):
            del self.ladders[name]
            self.results.pop(name, None)

    def round(self) -> None:
        """Probe everything, move every ladder, save, then act: the mails of a
        round show that round's counts, and a crash while acting never
        replays an alert on restart (the ladder was saved first)."""
        now = time.time()
        self._follow_checks()
        # every unit of the project in ONE systemctl call: no process per job
        with systemctl.using(self.unit_state(self.cfg)):
            self._round(now)

    def _round(self, now: float) -> None:
        # the upstream checks (the database) first: a site failing because of
        # them must know it in the same round, before its ladder moves
        order = sorted(self.ladders, key=lambda n: n not in causes.UPSTREAM)
        probed = {name: probes.run(name, self.cfg) for name in order}
        last = {name: (r["ok"], r["detail"]) for name, r in self.results.items()}
        cause, why = causes.first_cause(probed, last)
        todo = []
        for name, lad in self.ladders.items():
            ok, detail = probed[name]
            held = bool(cause) and lad.can_restart and not ok
            if held:
                detail += causes.note(cause, why, self.cfg.project.service)
            before = lad.failures
            steps = lad.observe(ok, now, hold=held)
            self.results[name] = {"ok": ok, "detail": detail, "at": now, "ladder": lad.to_dict()}
            todo += [
                (name, s, detail, lad.failures or before, cause if held else "") for s in steps
            ]
        self._save(now)
        self._metrics(now)
        self._retry_unsent()
        if all(ok for ok, _ in probed.values()):
            self.restart_queued = ""  # one restart an outage, however many checks ask
        for name, step, detail, failures, because in todo:
            self._act(name, step, detail, failures, because)

    def _act(self, name: str, step: ladder.Step, detail: str, failures: int, cause: str) -> None:
        """Restart if the step says so, log the step, mail it; `cause`: the
        failing check that held this one's restart back (DJOPS_CAUSE)."""
        p, svc = self.cfg.name, self.cfg.project.service
        if step.restart and self.restart_queued:
            # service and http fail together when gunicorn is down, their
            # ladders a round apart: a second restart queued behind the first
            # would stop the service it just healed
            detail += f"; restart of {svc} already queued by check {self.restart_queued}"
        elif step.restart:
            # queued, not awaited: a unit slow to stop must not stall the loop
            # (and the watchdog); the next rounds show whether it helped
            proc = systemctl.run("restart", "--no-block", svc, check=False)
            detail += f"; restart of {svc} " + (
                "queued" if proc.returncode == 0 else f"failed: {proc.stderr.strip()}"
            )
            self.restart_queued = name
        text = notices.health_line(step.event, p, name, detail, failures)
        journal.emit(
            step.event,
            p,
            text,
            step.priority,
            CHECK=name,
            REASON=detail,
            FAILURES=failures,
            SERVICE=svc,
            **({"CAUSE": cause} if cause else {}),
        )
        if step.mail:
            self._mail(step.mail, name, text)

    def _mail(self, kind: str, check: str, line: str) -> None:
        try:
            notices.health_mail(self.cfg, kind, check, line, self.status())
        except OSError as e:  # the outbox is full or broken: keep it here, retry
            self.unsent.append((kind, check, line))
            self._cannot("mail.failed", "keep an alert mail in the outbox", e)
        else:
            self.failing.discard("mail.failed")

    def _retry_unsent(self) -> None:
        unsent, self.unsent = self.unsent, []
        for kind, check, line in unsent:
            self._mail(kind, check, line)

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
        for name in self.ladders:
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
                collect.families(
                    self.cfg, self.results, now, jobwatch.latest.get(self.cfg.name, {})
                ),
            )
        except Exception as e:
            where = textfile.path(d, self.cfg.name)
            self._cannot("metrics.failed", f"write {where}", e, WARNING)
        else:
            self.failing.discard("metrics.failed")

    def _save(self, now: float) -> None:
        try:
            state.save(self.cfg.name, {"updated": now, "checks": self.results})
        except OSError as e:  # disk full: the daemon goes on, from memory
            self._cannot("state.failed", f"save {state.path(self.cfg.name)}", e)
        else:
            self.failing.discard("state.failed")


# what the checks and the metrics read of the project's units (systemctl.show)
UNIT_PROPERTIES = (
    "ActiveState",
    "SubState",
    "ActiveEnterTimestampMonotonic",
    "ExecMainStartTimestampMonotonic",
    "ExecMainExitTimestampMonotonic",
    "InvocationID",
    "LastTriggerUSec",
    "NextElapseUSecRealtime",
)


def own_units(cfg: Config) -> dict[str, dict]:
    """Every unit of the project in ONE systemctl call: no process per job."""
    return bulk.show(watched_units(cfg), UNIT_PROPERTIES, utc=True)


def watched_units(cfg: Config) -> list[str]:
    p = cfg.name
    out = [cfg.project.service, units.service(units.RELOAD, p)]
    out += [units.service(units.CLEARSESSIONS, p), units.timer(units.CLEARSESSIONS, p)]
    for name in cfg.jobs:
        out += [units.job_service(p, name), units.job_timer(p, name)]
    return out
