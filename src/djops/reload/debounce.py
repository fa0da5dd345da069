"""One reload per burst of writes, none for a change of no content, and
exactly one more for changes made while a reload runs: kept apart from
inotify and systemd so that it is tested with real files and a fake reload."""

import queue
import threading
import time
from collections.abc import Callable

from djops.reload import snapshot
from djops.text import plural


class Watcher:
    """The debounce and rerun logic of one project's roots."""

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
