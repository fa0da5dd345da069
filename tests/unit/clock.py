"""A monotonic clock far from boot, for fakes of systemd's *Monotonic
timestamps: a fresh machine (a new CI runner) has been up for less than the
minutes a test's run claims to have lasted."""

import time
import types

import pytest

UPTIME = 100_000.0


def mono_ago(seconds: float) -> str:
    """A *TimestampMonotonic of `seconds` ago, on the shifted clock."""
    return str(int((time.monotonic() + UPTIME - seconds) * 1e6))


def shift(monkeypatch: pytest.MonkeyPatch, module: types.ModuleType) -> None:
    """`module` reads the shifted clock through its `time`."""
    fake = types.SimpleNamespace(**{n: getattr(time, n) for n in dir(time) if n[0] != "_"})
    fake.monotonic = lambda: time.monotonic() + UPTIME
    monkeypatch.setattr(module, "time", fake)
