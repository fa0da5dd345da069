"""The one daemon loop: READY after the first step, WATCHDOG after each,
STATUS when it changes, and on SIGTERM STOPPING and a clean return, at once."""

import os
import signal
import threading
import time

from djops.systemd import daemon


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, state):
        self.sent.append(state)

    def ready(self, status):
        self.send(f"READY=1\nSTATUS={status}")

    def status(self, status):
        self.send(f"STATUS={status}")

    def alive(self):
        self.send("WATCHDOG=1")


def run_until_sigterm(d: daemon.ServiceDaemon, after: float) -> str:
    """d.run(), with SIGTERM sent to this process `after` seconds in."""
    threading.Timer(after, os.kill, (os.getpid(), signal.SIGTERM)).start()
    try:
        return d.run()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class Counter(daemon.ServiceDaemon):
    def __init__(self):
        super().__init__()
        self.notifier = Recorder()
        self.n = 0

    def first(self):
        self.n = 1

    def step(self, budget):
        self.wait(min(budget, 30))  # a long wait SIGTERM must cut short
        self.n += 1

    def status(self):
        return f"{min(self.n, 2)} steps"


def test_ready_watchdog_status_and_a_prompt_clean_stop(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "300000")  # a step every 0.1 s
    d = Counter()
    started = time.monotonic()
    assert run_until_sigterm(d, 0.5) == "stopped"
    assert time.monotonic() - started < 5
    sent = d.notifier.sent
    assert sent[0] == "READY=1\nSTATUS=1 steps"
    assert sent.count("STATUS=2 steps") == 1, "STATUS= only when it changes"
    assert sent.count("WATCHDOG=1") >= 3
    assert sent[-1] == "STOPPING=1"


class Busy(Counter):
    def step(self, budget):
        self.wait(0.01)  # the watcher's loop while a debounce is pending waits 0.1 s
        self.n += 1


def test_a_loop_of_short_steps_pings_the_watchdog_once_a_second_not_every_step(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")  # WatchdogSec=30
    d = Busy()
    run_until_sigterm(d, 0.5)
    assert d.n > 10, "the control: many steps ran"
    assert d.notifier.sent.count("WATCHDOG=1") == 1


def test_sigterm_during_a_long_wait_ends_it_at_once(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "90000000")  # budget 30 s
    d = Counter()
    started = time.monotonic()
    run_until_sigterm(d, 0.3)
    assert time.monotonic() - started < 5


class Announcer(daemon.ServiceDaemon):
    """Changes its line in the middle of a step, then waits long."""

    def __init__(self):
        super().__init__()
        self.notifier = Recorder()
        self.line = "starting"

    def step(self, budget):
        self.line = "NOT WATCHING (x was removed)"
        self.wait(30)

    def status(self):
        return self.line


def test_a_status_changed_mid_step_is_sent_before_the_wait_not_after_it():
    d = Announcer()
    seen = []

    def watch():  # what `systemctl status` shows while the step still waits
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if "STATUS=NOT WATCHING (x was removed)" in d.notifier.sent:
                seen.append(True)
                break
            time.sleep(0.01)
        d._on_term(signal.SIGTERM, None)

    threading.Thread(target=watch, daemon=True).start()
    started = time.monotonic()
    d.run()
    assert seen and time.monotonic() - started < 5, d.notifier.sent


def test_the_loop_trims_the_heap_every_trim_seconds(monkeypatch):
    """A burst of work's freed heap goes back to the kernel on a cadence,
    not once per step."""
    monkeypatch.setenv("WATCHDOG_USEC", "300000")
    monkeypatch.setattr(daemon, "TRIM_SECONDS", 0.2)
    trims = []
    monkeypatch.setattr(daemon, "trim_heap", lambda: trims.append(time.monotonic()))
    d = Counter()
    run_until_sigterm(d, 1.0)
    assert 2 <= len(trims) <= 6, trims  # steps every 0.1 s, trims every 0.2 s


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:"))


def test_trim_heap_gives_freed_heap_back():
    """The glibc behaviour the daemons rely on: freed small blocks below a
    live one stay in the process until a trim (20,000 x 1 KiB ~ 20 MiB)."""
    import ctypes

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(1024) for _ in range(20_000)]
    for b in blocks:
        ctypes.memset(b, 1, 1024)  # touched: resident
    keep = libc.malloc(1024)  # above them: the heap's top cannot shrink past it
    for b in blocks:
        libc.free(b)
    before = _rss_kib()
    assert daemon.trim_heap() is True
    assert before - _rss_kib() >= 10_000, "at least half of the 20 MiB went back"
    libc.free(keep)
