"""One incident per project: the checks failing together are one trouble,
with one escalation Ladder, so a gunicorn crash (service and http failing)
gives one alert, one restart and one recovery instead of one of each per
check. The incident's cause is its most upstream failing check (the
database explains http; service, gunicorn down, explains http); while an
upstream check fails (or failed last round), the restart is held, as in
health.causes. What djops does itself (health.planned) is not trouble: in a
planned window, failing `service` and `http` neither count nor reset.

The id (UTC start, `20261203T184707Z`) names the incident in the journal
(DJOPS_INCIDENT), threads its mails (`<djops.P.ID@HOST>`, mail.notices.thread) and
keys its notices: one per step, each step a change of the incident's state.

How the daemon's round uses it (state: health-P.json gains "incident"):

    inc = incident.Incident(h.warn_after, h.alert_after, h.restart_after, cfg.project.service)
    inc.load(saved.get("incident"))                 # once, at start; garbage: afresh
    if "incident" not in saved:                     # health-P.json of 0.1: per-check ladders
        inc.adopt(saved.get("checks"))
    # each round:
    start = time.time()
    probed = {name: probes.run(name, cfg) for name in probes.enabled(cfg)}
    now = time.time()
    window = planned.active(p, now, since=start)    # "" or what djops did meanwhile
    steps = inc.observe(probed, now, planned=bool(window))
    state.save(p, {"updated": now, "checks": results, "incident": inc.to_dict()})
    for s in steps:                                 # after saving: a crash never replays one
        if s.step.restart:
            planned.mark(p, planned.RESTART_SECONDS, "self-healing restart")
            systemctl.run("restart", "--no-block", svc, check=False)
        text = notices.incident_line(p, s)
        journal.emit(s.step.event, p, text, s.step.priority, CHECK=",".join(s.checks),
                     CAUSE=s.cause, INCIDENT=s.incident, REASON=s.detail,
                     FAILURES=s.failures, SERVICE=svc)
        if s.step.mail:
            notices.incident_mail(cfg, s, text, status)  # threaded by s.incident
"""

import re
import time
from dataclasses import dataclass, field

from djops.health import causes
from djops.health.check import Result
from djops.health.ladder import Ladder
from djops.health.ladder import Step as LadderStep
from djops.health.probes import CHECKS

HEALABLE = tuple(name for name, (_, heals) in CHECKS.items() if heals)  # service, http
PLANNED = ("service", "http")  # what a planned window excuses
# what the round reads from PID 1: unknown, not failing, when it did not answer
FROM_UNITS = ("service", "clearsessions", "jobs")
# the order checks are named in, the cause first: what explains the others
ORDER = tuple(dict.fromkeys((*causes.UPSTREAM, "service", *CHECKS)))
_ID = re.compile(r"[0-9A-Za-z-]{1,40}")


@dataclass(frozen=True)
class Step:
    step: LadderStep  # event, priority, mail, restart
    incident: str  # the id
    checks: tuple[str, ...]  # failing now; in a recovery, every check of the incident
    cause: str  # the most upstream of them
    detail: str  # each check's line, and why a restart is held
    failures: int  # rounds the incident has counted
    since: float  # when it began (wall clock)


@dataclass
class Incident:
    warn_after: int
    alert_after: int
    restart_after: int
    service: str = "P.service"
    id: str = ""
    since: float = 0.0
    last_id: str = ""
    streaks: dict[str, int] = field(default_factory=dict)  # consecutive counted failures
    details: dict[str, str] = field(default_factory=dict)  # last round's failing checks
    seen: list[str] = field(default_factory=list)  # every check that failed in it
    ladder: Ladder = field(init=False)

    def __post_init__(self) -> None:
        self.ladder = Ladder(self.warn_after, self.alert_after, self.restart_after, False)

    def follow(self, warn_after: int, alert_after: int, restart_after: int, service: str) -> None:
        """The thresholds and service of a config loaded again (djops enable)."""
        self.warn_after, self.alert_after, self.restart_after = (
            warn_after,
            alert_after,
            restart_after,
        )
        lad = self.ladder
        lad.warn_after, lad.alert_after, lad.restart_after = warn_after, alert_after, restart_after
        self.service = service

    def observe(
        self,
        results: dict[str, Result],
        now: float,
        planned: bool = False,
        unknown: tuple[str, ...] = (),
    ) -> list[Step]:
        """The steps of this round, from every check's (ok, detail); `unknown`:
        checks whose answer could not be read, which neither count nor reset."""
        before = {n: (False, d) for n, d in self.details.items()}
        self.details = {n: r[1] for n, r in results.items() if not r[0]}
        excused = {n for n in self.details if (planned and n in PLANNED) or n in unknown}
        failing = [n for n in ORDER if n in self.details and n not in excused]
        for n in list(self.streaks):
            if n not in excused and n not in failing:
                del self.streaks[n]  # passed (or gone): its streak ends
        for n in failing:
            self.streaks[n] = self.streaks.get(n, 0) + 1
        if not failing and excused:
            return []  # only what djops does itself fails: the round does not count
        lad, counted = self.ladder, self.ladder.failures
        if not any(n in self.streaks for n in HEALABLE):
            lad.restarted = lad.held = False  # the site is back: the restart re-arms
        if failing and not self.id:
            self.id, self.since, self.seen = self._new_id(now), now, []
        self.seen += [n for n in failing if n not in self.seen]
        cause, how = causes.first_cause(results, before)
        healing = [n for n in failing if n in HEALABLE]
        lad.can_restart = bool(healing)
        held = bool(cause) and bool(healing)
        heal = max((self.streaks[n] for n in healing), default=0)
        steps = lad.observe(not failing, now, hold=held, healable=heal)
        if failing:
            checks, named = tuple(failing), cause or failing[0]
            detail = "; ".join(f"{n}: {self.details[n]}" for n in failing)
            if held:  # the cause's own line is above when it still fails
                detail += causes.note(cause, "" if cause in failing else how, self.service)
        else:
            checks = tuple(n for n in ORDER if n in self.seen)
            named, detail = checks[0] if checks else "", "all checks pass again"
        n = lad.failures or counted
        out = [Step(s, self.id, checks, named, detail, n, self.since) for s in steps]
        if not failing:
            self.id, self.since, self.seen = "", 0.0, []
        return out

    def _new_id(self, now: float) -> str:
        """The UTC second it began; a second incident within that second gets -2, -3..."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        base, _, n = self.last_id.partition("-")
        self.last_id = stamp if base != stamp else f"{stamp}-{int(n) + 1 if n.isdigit() else 2}"
        return self.last_id

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "since": self.since,
            "last_id": self.last_id,
            "streaks": dict(self.streaks),
            "details": dict(self.details),
            "seen": list(self.seen),
            "ladder": self.ladder.to_dict(),
        }

    def load(self, saved: object) -> None:
        """Take what a saved state says, where it has the right type; an
        incident without a count is no incident."""
        d = saved if isinstance(saved, dict) else {}
        self.ladder.load(d.get("ladder") if isinstance(d.get("ladder"), dict) else {})
        for k in ("id", "last_id"):  # ids go into Message-ID headers
            if isinstance(d.get(k), str) and _ID.fullmatch(d[k]):
                setattr(self, k, d[k])
        if isinstance(d.get("since"), int | float) and not isinstance(d["since"], bool):
            self.since = float(d["since"])
        streaks, details, seen = d.get("streaks"), d.get("details"), d.get("seen")
        if isinstance(streaks, dict):
            self.streaks = {
                k: v
                for k, v in streaks.items()
                if k in CHECKS and isinstance(v, int) and not isinstance(v, bool) and v > 0
            }
        if isinstance(details, dict):
            self.details = {k: v for k, v in details.items() if k in CHECKS and isinstance(v, str)}
        if isinstance(seen, list):
            self.seen = [k for k in seen if k in CHECKS]
        if self.ladder.failures <= 0:
            self.id, self.seen, self.streaks = "", [], {}
        elif not self.id:
            self.id = self._new_id(self.since)

    def adopt(self, checks: object) -> None:
        """Take over the per-check ladders of 0.1 (health-P.json "checks"):
        an upgrade in the middle of an outage neither alerts nor restarts again."""
        failing: dict[str, tuple[Ladder, dict]] = {}
        for name, entry in checks.items() if isinstance(checks, dict) else ():
            if name in CHECKS and isinstance(entry, dict) and entry.get("ok") is False:
                lad = Ladder(1, 1, 1, False)
                lad.load(entry.get("ladder") if isinstance(entry.get("ladder"), dict) else {})
                if lad.failures > 0:
                    failing[name] = (lad, entry)
        if not failing:
            return
        longest = max(failing.values(), key=lambda f: f[0].failures)
        self.ladder.load(longest[0].to_dict())
        self.ladder.alerted = any(lad.alerted for lad, _ in failing.values())
        self.ladder.restarted = any(lad.restarted for lad, _ in failing.values())
        self.streaks = {n: lad.failures for n, (lad, _) in failing.items()}
        self.details = {
            n: e["detail"] for n, (_, e) in failing.items() if isinstance(e.get("detail"), str)
        }
        self.seen = [n for n in ORDER if n in failing]
        at = longest[1].get("at")  # its last round: 0.1 kept no start
        self.since = float(at) if isinstance(at, int | float) and not isinstance(at, bool) else 0.0
        self.id = self._new_id(self.since)
