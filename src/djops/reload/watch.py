"""djops-watch.service: notice settings changes of every enabled project,
then let djops-reload@P.service compile, validate and apply them.

One inotify observer serves the host; each project has its own debounce
(djops.reload.debounce), its own state (djops.reload.watched_project) and
its own reloads (djops.reload.request). This module follows the enabled set
and keeps the observer on every root it can watch.
"""

import contextlib
import os
import signal
import threading
import time

from djops import config
from djops.config import Config
from djops.errors import ConfigError
from djops.reload import fswatch, watched_project
from djops.reload.debounce import Watcher
from djops.reload.watched_project import Project
from djops.systemd import units
from djops.systemd.daemon import ServiceDaemon
from djops.text import plural

RESCAN_SECONDS = 5.0  # how often the enabled set and the P.toml files are looked at


class HostWatch(ServiceDaemon):
    """djops-watch.service: one inotify observer for the [watch] paths of
    every enabled project, each with its own debounce and reloads. The
    enabled set and each P.toml are read again every few seconds and on
    SIGHUP (`djops enable`). When inotify stops for a project (a watched
    directory deleted, or replaced by a rename) or cannot start (an inotify
    limit), it says so in the journal and STATUS=, polls that project every
    POLL_SECONDS meanwhile, and goes back to inotify as soon as it can,
    comparing what changed while it was blind. `only`: these projects (a
    foreground run)."""

    def __init__(self, only: list[str] | None = None):
        super().__init__()
        self.only = only
        self.projects: dict[str, Project] = {}
        self.observer = None
        self.next_scan = 0.0
        # P.toml files are loaded in a thread of their own (a load can be slow:
        # never in the loop that answers the watchdog); results wait here
        self.lock = threading.Lock()
        self.loaded: dict[str, tuple[tuple[int, int] | None, Config | None]] = {}
        self.loader: threading.Thread | None = None

    def run(self) -> str:
        signal.signal(signal.SIGHUP, self._on_hup)  # ExecReload=: `djops enable`
        return super().run()

    def _on_hup(self, signum: int, frame: object) -> None:
        self.next_scan = 0.0
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"h")

    def first(self) -> None:
        self._load(self.enabled())  # before READY=1: what it watches from the start
        self._scan()
        self.next_scan = time.monotonic() + RESCAN_SECONDS
        self._rebuild()

    def step(self, budget: float) -> None:
        now = time.monotonic()
        rebuild = False
        if now >= self.next_scan:
            rebuild = self._scan()
            self.next_scan = now + RESCAN_SECONDS
        for pr in self.projects.values():
            if pr.watched and (why := pr.problem() or self._dead_for(pr)):
                pr.degrade(why)
                rebuild = True
        due = [pr for pr in self.projects.values() if pr.trouble and now >= pr.next_try]
        for pr in due:
            pr.next_try = now + watched_project.POLL_SECONDS
            rebuild = rebuild or pr.ready()
        if rebuild:
            self._rebuild()
        for pr in due:
            if pr.trouble:  # still blind: a poll is a rescan of every root
                pr.rescan()
        pending = any(pr.watcher.busy() or pr.watcher.deadline for pr in self.projects.values())
        self.wait(min(budget, 0.1) if pending else budget)
        for pr in list(self.projects.values()):
            pr.watcher.step(0)

    def status(self) -> str:
        projects = list(self.projects.values())
        if len(projects) == 1:
            return projects[0].status()
        files = sum(len(pr.watcher.snapshot) for pr in projects)
        line = f"watching {plural(len(projects), 'project')} ({plural(files, 'file')})"
        for pr in projects:
            if pr.trouble:
                line += f"; {pr.p} NOT WATCHING ({pr.trouble})"
        if last := max(
            (pr.watcher for pr in projects if pr.watcher.reloads), key=_when, default=None
        ):
            owner = next(pr.p for pr in projects if pr.watcher is last)
            line += f"; {last.last.replace('last reload', f'last reload of {owner}', 1)}"
        return line

    def enabled(self) -> list[str]:
        return list(self.only) if self.only is not None else units.enabled_projects()

    def _scan(self) -> bool:
        """Follow the enabled set and the loaded P.toml files; start loading
        those that changed. True if the roots changed."""
        wanted, changed = set(self.enabled()), False
        for gone in set(self.projects) - wanted:
            del self.projects[gone]
            changed = True
        with self.lock:
            done, self.loaded = self.loaded, {}
        for p, (stamp, cfg) in done.items():
            old = self.projects.get(p)
            if p not in wanted:
                continue
            if cfg is None:  # reported by djops-health; watched on as it was
                if old is not None:
                    old.stamp = stamp
                continue
            if old is not None and old.key == (tuple(cfg.watch.paths), cfg.watch.debounce_seconds):
                old.stamp = stamp
                continue
            self.projects[p] = Project(p, cfg, stamp, was=old)
            changed = True
        stale = [
            p
            for p in sorted(wanted)
            if p not in self.projects or self.projects[p].stamp != config.stamp(p)
        ]
        if stale and not (self.loader and self.loader.is_alive()):
            self.loader = threading.Thread(target=self._load_and_wake, args=(stale,), daemon=True)
            self.loader.start()
        return changed

    def _load(self, projects: list[str]) -> None:
        for p in projects:
            stamp = config.stamp(p)
            try:
                cfg: Config | None = config.load(p, live=False)
            except ConfigError:
                cfg = None
            with self.lock:
                self.loaded[p] = (stamp, cfg)

    def _load_and_wake(self, projects: list[str]) -> None:
        self._load(projects)
        self.next_scan = 0.0
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"l")

    def _dead_for(self, pr: Project) -> str:
        if self.observer is None:
            return "inotify is not running"
        if not self.observer.is_alive():
            return "the inotify observer stopped"
        for emitter in getattr(self.observer, "emitters", ()):
            path = fswatch.path_of(emitter)
            if path in pr.roots and not emitter.is_alive():
                return f"inotify stopped watching {path}"
        return ""

    def _rebuild(self) -> None:
        """(Re)start the one observer on the roots of every project that can
        be watched; the others are polled."""
        if self.observer is not None:
            fswatch.stop(self.observer)
            self.observer = None
        take: list[Project] = []
        for pr in self.projects.values():
            try:
                pr.identity = {root: watched_project.identity(root) for root in pr.roots}
            except OSError as e:
                pr.degrade(watched_project.why(e))
                continue
            take.append(pr)
        roots = sorted({root for pr in take for root in pr.roots})
        if not roots:
            return
        try:
            self.observer = fswatch.start(roots, self._route)
        except OSError as e:
            for pr in take:
                pr.degrade(watched_project.why(e))
            return
        for pr in take:
            pr.watched = True
            if pr.trouble:
                pr.recovered()
            else:  # what changed while the observer was being replaced
                pr.rescan()

    def _route(self, path: str) -> None:
        """From the observer's thread: every project whose roots hold `path`."""
        for pr in list(self.projects.values()):
            pr.watcher.saw(path)
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"n")


def _when(w: Watcher) -> float:
    return w.at


def run(only: list[str] | None = None) -> str:
    return HostWatch(only).run()
