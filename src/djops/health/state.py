"""What the health service last saw, kept in /var/lib/djops/health-P.json for
the heartbeat and `djops status`; a garbage file reads as no state."""

from pathlib import Path

from djops import paths, safefs


def path(p: str) -> Path:
    return paths.state_dir() / f"health-{p}.json"


def read(p: str) -> dict:
    return load(p)[0]


def load(p: str) -> tuple[dict, str]:
    """(state, why it was ignored): a missing file is no state and no news; a
    truncated or garbage one is no state, and the daemon says so."""
    try:
        data = safefs.read_json(path(p))
    except FileNotFoundError:
        return {}, ""
    except (OSError, ValueError) as e:
        return {}, f"{path(p)} is unreadable ({type(e).__name__}); starting afresh"
    if not isinstance(data, dict) or not isinstance(data.get("checks", {}), dict):
        return {}, f"{path(p)} is not a health state; starting afresh"
    return data, ""


def save(p: str, data: dict, durable: bool = True) -> None:
    """`durable=False` for a round that moved no incident: its file is
    rewritten next minute, and a torn one reads as no state."""
    safefs.write_json(path(p), data, mode=0o644, durable=durable)
