"""djops-health.service: one daemon per host for every enabled project.

Each project's round runs every interval_seconds, on one grid for the host
(on_grid: rounds due together share one read of systemd's units), in the
daemon's lanes (djops.health.lanes): one thread works through the rounds
due, and a hung HTTP probe or database of one project delays another by at
most lanes.GRACE. The main loop, which only dispatches, sends READY=1 at
once and WATCHDOG=1 whatever the rounds do. A round past its interval logs health.overrun.
The enabled set (djops@P.target enabled) and each P.toml are read again
every few seconds: `djops enable`/`disable` need not restart the daemon. A
P.toml that no longer loads is reported (journal, alert mail) and P is
watched on with the config it last loaded.
"""

import contextlib
import os
import signal
import threading
import time
from dataclasses import dataclass, field

from djops import config, paths
from djops.config import Config
from djops.errors import ConfigError
from djops.events import CRIT, INFO
from djops.health.lanes import Lanes
from djops.health.project_round import STATE_AGE, Health, unit_state, watched_units
from djops.jobs.policy import lapses
from djops.mail import notices
from djops.systemd import journal, units
from djops.systemd.daemon import ServiceDaemon

RESCAN_SECONDS = 5.0
SHARED_SECONDS = STATE_AGE  # rounds starting this close together share one read of the units
HOST = "djops-health.service"


@dataclass
class Slot:
    """One project in the daemon: its config, its checks, its round."""

    name: str
    stamp: tuple[int, int] | None = None  # P.toml's (mtime_ns, size) when loaded
    cfg: Config | None = None
    health: Health | None = None
    broken: str = ""  # why P.toml does not load now ("" when it does)
    next_round: float = 0.0
    running: bool = False  # a round queued or in flight: cleared by the round itself
    started: float = 0.0  # monotonic start of the round in flight (0.0: queued, not begun)
    overrun: bool = False  # health.overrun logged for the round in flight
    error: str = field(default="")  # a round that crashed, until one passes

    def busy(self) -> bool:
        return self.running

    def interval(self) -> float:
        return self.cfg.health.interval_seconds if self.cfg else 60.0

    def failing(self) -> bool:
        if self.broken or self.error:
            return True
        results = self.health.results if self.health else {}
        return any(not r["ok"] for r in list(results.values()))


class HostHealth(ServiceDaemon):
    """The dispatcher. `only`: watch these projects (a foreground run)."""

    def __init__(self, only: list[str] | None = None):
        super().__init__()
        lapses.watching()
        self.only = only
        self.slots: dict[str, Slot] = {}
        self.next_scan = 0.0
        self.lock = threading.Lock()
        self.lanes: Lanes[Slot] = Lanes(self._round, self.wake)
        # (monotonic, the units asked, what systemctl said of them)
        self.shared: tuple[float, set[str], dict[str, dict]] = (0.0, set(), {})

    def run(self) -> str:
        signal.signal(signal.SIGHUP, self._on_hup)  # ExecReload=: `djops enable` changed things
        return super().run()

    def _on_hup(self, signum: int, frame: object) -> None:
        self.next_scan = 0.0
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"h")

    def enabled(self) -> list[str]:
        return list(self.only) if self.only is not None else units.enabled_projects()

    def first(self) -> None:
        _report_previous_death(self.enabled())
        with contextlib.suppress(OSError):  # a foreground run without /run/djops-health
            paths.health_running().write_text(f"{os.getpid()}\n")
        self._scan()

    def stopped(self) -> str:
        self.lanes.queue.clear()  # rounds queued behind one in flight do not begin
        with contextlib.suppress(OSError):
            paths.health_running().unlink(missing_ok=True)
        return "stopped"

    def step(self, budget: float) -> None:
        now = time.monotonic()
        if now >= self.next_scan:
            self._scan()
            self.next_scan = now + RESCAN_SECONDS
        due: list[Slot] = []
        for slot in list(self.slots.values()):
            if slot.busy():
                self._check_overrun(slot, now)
            elif now >= slot.next_round:
                due.append(slot)
        self._start_rounds(due, now)
        soon = [s.next_round - now for s in self.slots.values() if not s.busy()]
        held = self.lanes.open_if_stuck()  # a round held past lanes.GRACE: one more lane
        self.wait(min([budget, self.next_scan - now, *soon, *([held] if held else [])]))

    def _scan(self) -> None:
        """Follow the enabled set; load a P.toml that changed."""
        wanted = set(self.enabled())
        for gone in set(self.slots) - wanted:
            del self.slots[gone]  # a round in flight ends by itself, unseen
        for p in sorted(wanted - set(self.slots)):
            self.slots[p] = Slot(p)
        for slot in self.slots.values():  # loaded by its round's thread, never here
            if not slot.busy() and config.stamp(slot.name) != slot.stamp:
                slot.next_round = 0.0

    def _load(self, slot: Slot) -> None:
        slot.stamp = config.stamp(slot.name)
        try:
            cfg = config.load(slot.name)
        except ConfigError as e:
            why = str(e)
            if why != slot.broken:
                slot.broken = why
                _config_failed(slot, why)
            return
        if slot.broken:
            journal.emit(
                "health.config_loaded",
                slot.name,
                f"the config of {slot.name} loads again; its health checks follow it",
                INFO,
            )
        slot.broken, slot.cfg = "", cfg
        if slot.health is None:
            slot.health = Health(cfg)
            slot.health.unit_state = self._unit_state
            if self.only is None:
                slot.health.wanted = lambda p=slot.name: units.enabled(p)
        else:
            slot.health.cfg = cfg

    def _start_rounds(self, slots: list[Slot], now: float) -> None:
        for slot in slots:
            slot.started, slot.overrun, slot.running = 0.0, False, True
            slot.next_round = on_grid(now, slot.interval())
        self.lanes.put(*slots)

    def _round(self, slot: Slot) -> None:
        """P.toml (re)loaded if it changed (a load can be slow: never in the
        main loop), then the checks. The loop is woken when the lanes run
        dry (lanes.Lanes) or what the status line says changes."""
        slot.started, was = time.monotonic(), slot.failing()
        try:
            if config.stamp(slot.name) != slot.stamp:
                self._load(slot)
                slot.next_round = on_grid(slot.started, slot.interval())  # the new interval
            if slot.health is None:  # it never loaded: nothing to check with
                return
            slot.health.round()
        except Exception as e:  # one project's bug never ends the others' rounds
            why = f"{type(e).__name__}: {e}"
            if why != slot.error:
                journal.emit(
                    "health.round_failed",
                    slot.name,
                    f"a health round of {slot.name} failed: {why}; it is tried again next interval",
                    CRIT,
                    REASON=why,
                )
            slot.error = why
        else:
            slot.error = ""
        finally:
            slot.running = False  # before any wake: the loop plans the next round at once
            if slot.failing() != was:  # STATUS= says what the round found now, not a beat later
                self.wake()

    def _unit_state(self, cfg: Config) -> dict[str, dict]:
        """The units of the projects whose rounds run or start within
        SHARED_SECONDS, in one systemctl call they share. Only those: rounds
        that drifted apart each asking for every project's units cost PID 1
        a quarter of a core at 100 projects (bench-scale)."""
        with self.lock:
            at, asked, held = self.shared
            now = time.monotonic()
            mine = set(watched_units(cfg))
            if now - at <= SHARED_SECONDS and mine <= asked:
                return held
            soon = [
                s.cfg
                for s in list(self.slots.values())
                if s.cfg and (s.busy() or s.next_round - now <= SHARED_SECONDS)
            ]
            every = {u for c in soon for u in watched_units(c)}
            asked = every | mine
            held = unit_state(sorted(asked))
            self.shared = (time.monotonic(), asked, held)
            return held

    def _check_overrun(self, slot: Slot, now: float) -> None:
        took = now - slot.started
        if slot.overrun or not slot.started or took <= slot.interval():
            return
        slot.overrun = True
        journal.emit(
            "health.overrun",
            slot.name,
            f"a health round of {slot.name} has run {took:.0f}s, past its interval of "
            f"{slot.interval():g}s; the other projects' rounds go on",
            RUNNING=round(took),
            INTERVAL=slot.interval(),
        )

    def status(self) -> str:
        slots = list(self.slots.values())
        failing = sum(1 for s in slots if s.failing())
        n = len(slots)
        line = f"watching {n} project{'s' if n != 1 else ''}: {failing} failing"
        if broken := [s.name for s in slots if s.broken]:
            line += f" (config not loading: {', '.join(broken)})"
        return line


def on_grid(now: float, interval: float) -> float:
    """The round after one started at `now`: the next multiple of its
    interval on the monotonic clock, the same instant for every project of
    that interval. Rounds due together share one read of their units (one
    connection, one unit list); spread over the minute, 100 projects made
    ~30 reads a minute, each listing every unit of the host (bench-scale)."""
    return (now // interval + 1) * interval


def _config_failed(slot: Slot, why: str) -> None:
    """Journal and alert mail, once per distinct error; the last good config
    (if any) keeps P watched meanwhile."""
    goes_on = (
        "its checks go on with the config last loaded"
        if slot.cfg
        else "it is not checked until it loads"
    )
    text = f"the config of {slot.name} does not load: {why}; {goes_on}"
    journal.emit("health.config_failed", slot.name, text, CRIT, REASON=why)
    cfg = slot.cfg or config.defaults(slot.name)
    try:
        notices.send(
            cfg, "alert", "ALERT config does not load", text + "\n" + notices.footer(slot.name)
        )
    except OSError as e:
        journal.emit("mail.failed", slot.name, f"the alert mail was not kept: {e}", CRIT)


def _report_previous_death(projects: list[str]) -> None:
    """The last daemon died without stopping (kill -9, a crash, the
    watchdog): say so in each project's journal and mail it once, to every
    project's recipients."""
    if not paths.health_running().exists() or not projects:
        return
    text = (
        f"{HOST} was restarted: its previous process ended without being stopped "
        "(killed, crashed or hung); the health checks go on from their saved state"
    )
    to: list[str] = []
    for p in projects:
        journal.emit("health.daemon_restarted", p, text, CRIT)
        try:
            to += [a for a in config.load(p, live=False).health.mail_to if a not in to]
        except ConfigError:
            to += [a for a in config.defaults(p).health.mail_to if a not in to]
    first = projects[0]
    try:
        cfg = config.load(first, live=False)
    except ConfigError:
        cfg = config.defaults(first)
    body = f"{text}.\nProjects watched: {', '.join(projects)}\n" + notices.footer(first)
    with contextlib.suppress(OSError):  # the outbox is full: the journal said it
        notices.send(cfg, "alert", f"ALERT {HOST} restarted", body, to)


def run(only: list[str] | None = None) -> str:
    return HostHealth(only).run()
