"""djops-watch@P.service: notice settings changes, then let
djops-reload@P.service compile, validate and apply them.

One reload per burst (`debounce_seconds` after the last write), none for a
change that changes no content, and a change made while a reload runs gets
exactly one more reload afterwards. The reload runs as its own unit, with
its own user and sandbox; this daemon only watches and asks systemd.
"""

import contextlib
import errno
import os
import queue
import stat
import threading
import time
from collections.abc import Callable

from djops import paths, safefs
from djops.config import Config
from djops.events import RELOAD_RESULT
from djops.reload import fswatch, snapshot
from djops.systemd import journal, oneshot, units
from djops.systemd.daemon import ServiceDaemon

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
        self.reloads = 0

    def saw(self, path: str) -> None:
        """Called from the observer thread for every path that may have changed."""
        if snapshot.relevant(path, self.roots):
            self.events.put(path)

    def status(self) -> str:
        return f"watching {len(self.snapshot)} files; {self.last}"

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


class WatchDaemon(ServiceDaemon):
    """The watcher as a service. When inotify stops (a watched directory
    deleted, or replaced by a rename) or cannot start (an inotify limit),
    it says so in the journal and STATUS=, polls every POLL_SECONDS
    meanwhile, and goes back to inotify as soon as it can, comparing what
    changed while it was blind."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.p = cfg.name
        self.roots = [os.path.realpath(r) for r in cfg.watch.paths]
        self.watcher = Watcher(
            self.roots, cfg.watch.debounce_seconds, lambda changed: _request(self.p, changed)
        )
        self.observer = None
        self.identity: dict[str, tuple[int, int]] = {}
        self.trouble = ""  # why inotify is not watching; "" while it is
        self.next_try = 0.0

    def first(self) -> None:
        self._watch()

    def step(self, budget: float) -> None:
        if not self.trouble and (problem := self._problem()):
            self._degrade(problem)
        if self.trouble and time.monotonic() >= self.next_try:
            self.next_try = time.monotonic() + POLL_SECONDS
            self._watch()
            if self.trouble:  # still blind: a poll is a rescan of every root
                for root in self.roots:
                    self.watcher.saw(root)
        self.watcher.step(budget)

    def status(self) -> str:
        if self.trouble:
            return f"NOT WATCHING ({self.trouble}); polling every {POLL_SECONDS:g}s; {self.watcher.last}"
        return self.watcher.status()

    def _watch(self) -> None:
        """(Re)start inotify on every root, or say why it cannot."""
        if self.observer is not None:
            fswatch.stop(self.observer)
            self.observer = None
        try:
            identity = {root: _identity(root) for root in self.roots}
            self.observer = fswatch.start(self.roots, self.watcher.saw)
        except OSError as e:
            self._degrade(_why(e))
            return
        self.identity = identity
        if self.trouble:
            journal.emit(
                "watch.recovered",
                self.p,
                f"the settings watcher of {self.p} watches again (was: {self.trouble})",
                REASON=self.trouble,
            )
            self.trouble = ""
            for root in self.roots:  # what changed while blind
                self.watcher.saw(root)

    def _problem(self) -> str:
        if self.observer is None:
            return "inotify is not running"
        if dead := fswatch.dead(self.observer):
            return dead
        for root, ident in self.identity.items():
            try:
                if _identity(root) != ident:
                    return f"{root} was replaced by another directory"
            except OSError:
                return f"{root} was removed"
        return ""

    def _degrade(self, reason: str) -> None:
        if reason != self.trouble:
            journal.emit(
                "watch.degraded",
                self.p,
                f"the settings watcher of {self.p} is not watching: {reason}; "
                f"polling every {POLL_SECONDS:g}s until inotify works again",
                REASON=reason,
            )
        self.trouble = reason
        self.next_try = min(self.next_try, time.monotonic() + POLL_SECONDS)


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


def run(cfg: Config) -> str:
    return WatchDaemon(cfg).run()


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
