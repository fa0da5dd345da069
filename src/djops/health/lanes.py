"""Where the health daemon's rounds run. One lane (a thread) works through
the rounds due, one after another; another lane opens only when every open
lane has been on one round for GRACE seconds. A hung HTTP probe or database
of one project so delays the rounds behind it by at most GRACE, and the
100 rounds that fall due together on the host's grid run in one thread:
a thread each cost twice the CPU, in hand-overs of the interpreter's lock
(0.43 s against 0.21 s a minute at 100 projects, bench-scale)."""

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

GRACE = 0.5  # seconds a lane may spend on one round before the next lane opens

Item = TypeVar("Item")


class Lanes(Generic[Item]):
    """`run(item)` for each item put, in order; `drained()` is called (from
    the lane) each time the queue runs dry, to wake whoever plans the next."""

    def __init__(
        self, run: Callable[[Item], None], drained: Callable[[], None], grace: float = GRACE
    ):
        self.run, self.drained, self.grace = run, drained, grace
        self.queue: deque[Item] = deque()
        self.lock = threading.Lock()
        self.on: dict[int, float] = {}  # open lane -> when its round began (0.0: between rounds)
        self.opened = 0

    def put(self, *items: Item) -> None:
        """Queue the rounds due together at once: one by one, a lane quicker
        than the loop would close and open again between them."""
        with self.lock:
            self.queue.extend(items)
        self.open_if_stuck()

    def open_if_stuck(self) -> float | None:
        """Open a lane when work waits and every lane is held past GRACE.
        Returns the seconds until a lane could be held past it (the caller
        looks again then), or None when nothing waits."""
        now = time.monotonic()
        with self.lock:
            if not self.queue:
                return None
            if all(since and now - since >= self.grace for since in self.on.values()):
                self.opened += 1
                self.on[self.opened] = 0.0
                threading.Thread(
                    target=self._lane, args=(self.opened,), name=f"lane-{self.opened}", daemon=True
                ).start()
                return self.grace
            held = [since + self.grace - now for since in self.on.values() if since]
            return max(min(held, default=self.grace), 0.01)

    def idle(self, timeout: float) -> bool:
        """Whether every lane closed within `timeout` seconds (the tests wait on it)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if not self.on and not self.queue:
                    return True
            time.sleep(0.005)
        return False

    def _lane(self, key: int) -> None:
        while True:
            with self.lock:
                if not self.queue:
                    del self.on[key]
                    break
                item = self.queue.popleft()
                self.on[key] = time.monotonic()
            try:
                self.run(item)
            finally:
                with self.lock:
                    self.on[key] = 0.0
        self.drained()
