"""One loop for djops' long-running services, in the shape of journalpump's
ServiceDaemon: a subclass says what one step does and what its status line
reads; this base sends READY=1 once the first step is done, WATCHDOG=1 after
a step (a step waits at most a third of WatchdogSec=; a loop of short steps,
the watcher's during a debounce, pings once a second), STATUS= whenever
the line changes (after a step and before any wait, so `systemctl status`
never lags what the daemon logged), and STOPPING=1 on SIGTERM, then returns
cleanly. Every TRIM_SECONDS it gives the heap glibc keeps back to the
kernel (malloc_trim): what a burst of work freed stays free.
"""

import contextlib
import functools
import os
import select
import signal
import time
from collections.abc import Callable

from djops.systemd import sd_notify


class ServiceDaemon:
    def __init__(self) -> None:
        self.notifier = sd_notify.Notifier()
        self.stopping = False
        self.shown: str | None = None  # the STATUS= systemd has
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.trimmed = time.monotonic()

    # what a subclass fills in
    def first(self) -> None:
        """Work before READY=1 (the first health round, starting inotify)."""

    def step(self, budget: float) -> None:
        """One pass; it may wait, but at most `budget` seconds (use `wait`)."""
        raise NotImplementedError

    def status(self) -> str:
        raise NotImplementedError

    def stopped(self) -> str:
        return "stopped"

    # the loop
    def publish(self) -> None:
        """STATUS= if the line changed since systemd last heard it."""
        if self.shown is not None and (now := self.status()) != self.shown:
            self.shown = now
            self.notifier.status(now)

    def wake(self) -> None:
        """End the current wait (from any thread): something worth saying happened."""
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"w")

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`; SIGTERM or wake() ends the wait at once."""
        self.publish()
        if seconds > 0 and not self.stopping:
            with contextlib.suppress(InterruptedError):
                if select.select([self._wake_r], [], [], seconds)[0]:
                    with contextlib.suppress(OSError):  # drained: the next wait waits
                        os.read(self._wake_r, 64)

    def _on_term(self, signum: int, frame: object) -> None:
        # only async-signal-safe work here: a flag and a byte down a pipe
        self.stopping = True
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def run(self) -> str:
        signal.signal(signal.SIGTERM, self._on_term)
        beat = sd_notify.watchdog_interval()
        self.first()
        self.shown = self.status()
        self.notifier.ready(self.shown)
        every, pinged = min(PING_SECONDS, beat / 2), float("-inf")
        while not self.stopping:
            self.step(beat)
            if (now := time.monotonic()) - pinged >= every:
                pinged = now
                self.notifier.alive()
            self.publish()
            if time.monotonic() - self.trimmed >= TRIM_SECONDS:
                self.trimmed = time.monotonic()
                trim_heap()
        self.notifier.send("STOPPING=1")
        return self.stopped()


# the most often WATCHDOG=1 goes to PID 1, however short the steps
PING_SECONDS = 1.0

# glibc keeps the heap a burst of work freed (a storm of `djops enable`
# beside 100 projects: djops-health grew from 35 to 160 MiB PSS and stayed;
# bench/RESULTS.md, scale notes); a trim takes about a millisecond
TRIM_SECONDS = 30.0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim
    except Exception:  # not glibc (no malloc_trim), or no ctypes
        return None


def trim_heap() -> bool:
    """Return freed heap pages to the kernel; False where libc cannot."""
    trim = _malloc_trim()
    return bool(trim and trim(0))
