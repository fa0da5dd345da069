"""What the health service last saw, kept in /var/lib/djops/health-P.json for
the heartbeat and `djops status`; a garbage file reads as no state."""

import contextlib
from pathlib import Path

from djops import paths
from djops.adapters import safefs


def path(p: str) -> Path:
    return paths.state_dir() / f"health-{p}.json"


def read(p: str) -> dict:
    with contextlib.suppress(OSError, ValueError):
        data = safefs.read_json(path(p))
        if isinstance(data, dict):
            return data
    return {}


def save(p: str, data: dict) -> None:
    safefs.write_json(path(p), data, mode=0o644)
