"""djops-watch.service: notice settings changes of every enabled project,
then let djops-reload@P.service compile, validate and apply them.

One reload per burst (`debounce_seconds` after the last write), none for a
change that changes no content, and a change made while a reload runs gets
exactly one more reload afterwards. The reload runs as its own unit, with
its own user and sandbox; this daemon only watches and asks systemd.
"""

import contextlib
import errno
import os
import queue
import signal
import stat
import threading
import time
from collections.abc import Callable

from djops import config, paths, safefs
from djops.config import Config
from djops.errors import ConfigError
from djops.events import RELOAD_RESULT
from djops.reload import fswatch, snapshot
from djops.systemd import journal, oneshot, units
from djops.systemd.daemon import ServiceDaemon
from djops.text import plural

RELOAD_TIMEOUT = 360.0  # the reload unit's TimeoutStartSec= (5 min), and then some


class Watcher:
    """The debounce and rerun logic, free of inotify and systemd for tests."""

    def __init__(self, roots: list[str], debounce: float, apply: Callable[[list[str]], str]):
        self.roots, self.debounce, self.apply = roots, debounce, apply
        self.snapshot = snapshot.take(roots)
        self.events: queue.Queue[str] = queue.Queue()
        self.deadline: float | None = None
        self.worker: threading.Thread | None = None
        self.last = "no reload yet"
        self.at = 0.0  # when the last reload ended
        self.reloads = 0

    def saw(self, path: str) -> None:
        """Called from the observer thread for every path that may have changed."""
        if snapshot.relevant(path, self.roots):
            self.events.put(path)

    def status(self) -> str:
        return f"watching {plural(len(self.snapshot), 'file')}; {self.last}"

    def busy(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def step(self, wait: float) -> None:
        """Wait up to `wait` seconds for news, then reload if one is due."""
        if self.busy() or self.deadline is not None:
            wait = min(wait, 0.1)
        try:
            self.events.get(timeout=wait)
        except queue.Empty:
            pass
        else:  # a burst counts once; the deadline moves to its end
            while not self.events.empty():
                self.events.get_nowait()
            self.deadline = time.monotonic() + self.debounce
        if self.deadline is None or time.monotonic() < self.deadline or self.busy():
            return
        self.deadline = None
        new = snapshot.take(self.roots, self.snapshot)
        changed = snapshot.diff(self.snapshot, new)
        self.snapshot = new
        if changed:
            self.worker = threading.Thread(target=self._reload, args=(changed,), daemon=True)
            self.worker.start()

    def _reload(self, changed: list[str]) -> None:
        result = self.apply(changed)
        self.reloads += 1
        self.last = f"last reload {time.strftime('%H:%M:%S')} {result}"
        self.at = time.time()


class Project:
    """One enabled project in the host's watcher: its roots, its debounce,
    and why inotify does not watch them now ("" while it does)."""

    def __init__(
        self, p: str, cfg: Config, stamp: tuple[int, int] | None, was: "Project | None" = None
    ):
        self.p, self.stamp = p, stamp
        self.key = (tuple(cfg.watch.paths), cfg.watch.debounce_seconds)
        self.roots = [os.path.realpath(r) for r in cfg.watch.paths]
        self.watcher = Watcher(
            self.roots, cfg.watch.debounce_seconds, lambda changed: _request(p, changed)
        )
        self.identity: dict[str, tuple[int, int]] = {}
        self.trouble = ""
        self.watched = False  # its roots are in the observer
        self.next_try = 0.0
        if was is not None:  # P.toml changed: what was said about P stays true
            self.trouble, self.next_try = was.trouble, was.next_try
            w, old = self.watcher, was.watcher
            w.last, w.reloads, w.at = old.last, old.reloads, old.at

    def status(self) -> str:
        if self.trouble:
            return f"NOT WATCHING ({self.trouble}); polling every {POLL_SECONDS:g}s; {self.watcher.last}"
        return self.watcher.status()

    def problem(self) -> str:
        for root, ident in self.identity.items():
            try:
                if _identity(root) != ident:
                    return f"{root} was replaced by another directory"
            except OSError:
                return f"{root} was removed"
        return ""

    def degrade(self, reason: str) -> None:
        if reason != self.trouble:
            journal.emit(
                "watch.degraded",
                self.p,
                f"the settings watcher of {self.p} is not watching: {reason}; "
                f"polling every {POLL_SECONDS:g}s until inotify works again",
                REASON=reason,
            )
        self.trouble, self.watched = reason, False
        self.next_try = min(self.next_try, time.monotonic() + POLL_SECONDS)

    def recovered(self) -> None:
        journal.emit(
            "watch.recovered",
            self.p,
            f"the settings watcher of {self.p} watches again (was: {self.trouble})",
            REASON=self.trouble,
        )
        self.trouble = ""
        self.rescan()  # what changed while blind

    def rescan(self) -> None:
        for root in self.roots:
            self.watcher.saw(root)


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
            pr.next_try = now + POLL_SECONDS
            rebuild = rebuild or _ready(pr)
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
                pr.identity = {root: _identity(root) for root in pr.roots}
            except OSError as e:
                pr.degrade(_why(e))
                continue
            take.append(pr)
        roots = sorted({root for pr in take for root in pr.roots})
        if not roots:
            return
        try:
            self.observer = fswatch.start(roots, self._route)
        except OSError as e:
            for pr in take:
                pr.degrade(_why(e))
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


RESCAN_SECONDS = 5.0  # how often the enabled set and the P.toml files are looked at


def _when(w: Watcher) -> float:
    return w.at


def _ready(pr: Project) -> bool:
    """Whether every root of `pr` is a directory again (worth a new observer)."""
    try:
        for root in pr.roots:
            _identity(root)
    except OSError:
        return False
    return True


POLL_SECONDS = 5.0


def _identity(root: str) -> tuple[int, int]:
    st = os.stat(root)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", root)
    return st.st_dev, st.st_ino


def _why(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "the inotify watch limit is reached: raise fs.inotify.max_user_watches"
    if e.errno == errno.EMFILE:
        return "the inotify instance limit is reached: raise fs.inotify.max_user_instances"
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"{e.filename} is not a directory (yet)"
    return f"{e.strerror or e}" + (f": {e.filename}" if e.filename else "")


def run(only: list[str] | None = None) -> str:
    return HostWatch(only).run()


def _request(p: str, changed: list[str]) -> str:
    """Start djops-reload@P.service and wait for it; 'applied', 'rejected' or 'failed'."""
    journal.emit(
        "reload.requested",
        p,
        f"settings of {p} changed ({', '.join(changed)}); validating before applying",
        CHANGED=", ".join(changed),
    )
    note = paths.watch_changed(p)
    if note.parent.is_dir():
        with contextlib.suppress(OSError):
            safefs.write_json(note, changed)
    # the result of the run this started (its invocation), not of "a" reload:
    # a `djops reload P` typed meanwhile has its own
    run = oneshot.start_and_wait(p, units.service(units.RELOAD, p), RELOAD_RESULT, RELOAD_TIMEOUT)
    note.unlink(missing_ok=True)
    if run.entry:
        return str(run.entry["DJOPS_EVENT"]).split(".", 1)[1]
    # what systemd says, and that djops could not read more than that
    return f"{'succeeded' if run.ok else 'failed'} (result unknown: no reload event in the journal)"
