"""djops-watch@P.service: notice settings changes, then let
djops-reload@P.service compile, validate and apply them.

One reload per burst (`debounce_seconds` after the last write), none for a
change that changes no content, and a change made while a reload runs gets
exactly one more reload afterwards. The reload runs as its own unit, with
its own user and sandbox; this daemon only watches and asks systemd.
"""

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable

from djops import paths
from djops.adapters import fswatch, safefs
from djops.config import Config
from djops.errors import OperationError
from djops.events import RELOAD_RESULT
from djops.reload import snapshot
from djops.systemd import journal, systemctl, units
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
    def __init__(self, cfg: Config):
        super().__init__()
        self.p = cfg.name
        roots = [os.path.realpath(r) for r in cfg.watch.paths]
        missing = [r for r in roots if not os.path.isdir(r)]
        if missing:
            raise OperationError(
                f"[watch] paths: {', '.join(missing)} is not a directory; fix {cfg.path}"
            )
        self.roots = roots
        self.watcher = Watcher(
            roots, cfg.watch.debounce_seconds, lambda changed: _request(self.p, changed)
        )
        self.observer = None

    def first(self) -> None:
        self.observer = fswatch.start(self.roots, self.watcher.saw)

    def step(self, budget: float) -> None:
        if not self.observer.is_alive():
            raise OperationError(
                f"the inotify observer of {self.p} stopped; systemd restarts the watcher"
            )
        self.watcher.step(budget)

    def status(self) -> str:
        return self.watcher.status()


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
    since = int(time.time() * 1e6)
    ok = systemctl.start(units.service(units.RELOAD, p), timeout=RELOAD_TIMEOUT)
    note.unlink(missing_ok=True)
    entry = journal.last_event(p, RELOAD_RESULT, since)
    if entry:
        return str(entry["DJOPS_EVENT"]).split(".", 1)[1]
    return "applied" if ok else "failed"
