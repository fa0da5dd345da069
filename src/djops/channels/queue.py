"""The durable queue every channel keeps in its own directory under
/var/lib/djops: an entry is a JSON file, written fsynced before anyone is
asked to deliver it and removed once delivered; names sort oldest first.
Each entry keeps its tries and its next retry time (backoff); what cannot be
read is moved aside to `unreadable/` (never deleted); one deliverer at a
time holds the directory's lock.

Mail keeps /var/lib/djops/outbox, pings /var/lib/djops/pings, Apprise
/var/lib/djops/notify: the same shape in each, so one drain delivers them
all (djops.channels.drain), and every queue gives up the same way
(djops.channels.dropped).
"""

import contextlib
import fcntl
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from djops import safefs
from djops.systemd import journal

FIRST_RETRY, LAST_RETRY = 30.0, 3600.0
MAX_ENTRY = 32 << 20
# a queue gives up loudly (notify.dropped): on an entry undelivered this long,
# and on the oldest entries beyond this many (the mail outbox keeps them aside)
GIVE_UP = 24 * 3600.0
MAX_ENTRIES = 1000
# the end-to-end tests shorten GIVE_UP through a drop-in (Environment=) on
# the delivering unit; not a config key: a day is what every channel gets
GIVE_UP_ENV = "DJOPS_GIVE_UP_SECONDS"


def put(d: Path, entry: dict) -> Path:
    """Keep `entry` (fsynced); names sort in the order entries were put."""
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    entry.setdefault("attempts", 0)
    entry.setdefault("next_try", 0.0)
    path = d / name()
    safefs.write_json(path, entry)
    return path


def name() -> str:
    """A new entry's name: it sorts after every entry put before, and tells
    when it was put (queued_at)."""
    return f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}.json"


def give_up() -> float:
    """Seconds an entry may wait undelivered (GIVE_UP unless the environment says)."""
    try:
        seconds = float(os.environ.get(GIVE_UP_ENV, ""))
    except ValueError:
        return GIVE_UP
    return seconds if seconds > 0 else GIVE_UP


def queued_at(path: Path) -> float:
    """When an entry was put, from its name alone (no read); 0 if unnamed so."""
    stamp = path.name.split("-", 1)[0]
    return int(stamp) / 1e9 if stamp.isdigit() else 0.0


def pending(d: Path) -> list[Path]:
    """The kept entries, oldest first."""
    return sorted(d.glob("*.json")) if d.is_dir() else []


def pending_of(d: Path, project: str | None) -> list[Path]:
    """pending(d), of one project (every entry names its "project") or all."""
    return [p for p in pending(d) if project is None or _project(p) == project]


def _project(path: Path) -> str | None:
    try:
        return str(safefs.read_json(path)["project"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(path: Path, fields: dict[str, type]) -> dict:
    """An entry with `fields` of those types; ValueError/OSError if not one."""
    entry = safefs.read_json(path, limit=MAX_ENTRY)
    if not isinstance(entry, dict) or not all(
        isinstance(entry.get(k), t) for k, t in fields.items()
    ):
        raise ValueError("not a queue entry")
    entry["attempts"] = int(entry.get("attempts", 0))
    entry["next_try"] = float(entry.get("next_try", 0.0))
    return entry


def load_or_set_aside(
    path: Path, fields: dict[str, type], event: str, kind: str, field: str
) -> dict | None:
    """An entry; None when it went meanwhile, or was unreadable and is moved
    aside (logged once as `event`, with where it went in DJOPS_<field>)."""
    try:
        return load(path, fields)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as e:
        if dest := set_aside(path):
            why = f"unreadable {kind} moved to {dest}: {type(e).__name__}"
            journal.emit(event, "unknown", why, REASON=why, **{field: str(dest)})
        return None


def set_aside(path: Path) -> Path | None:
    """Move an unreadable entry to `unreadable/` beside it; where it went."""
    bad = path.parent / "unreadable"
    try:
        bad.mkdir(mode=0o700, exist_ok=True)
        os.replace(path, bad / path.name)
    except OSError:
        return None
    return bad / path.name


def due(entry: dict, now: float) -> bool:
    """Its retry time has come, or lies further ahead than any backoff: the
    clock went back, and the entry must not wait for the clock to catch up."""
    next_try = float(entry["next_try"])
    return next_try <= now or next_try > now + LAST_RETRY


def backoff(attempts: int) -> float:
    """The wait after `attempts` failed tries: doubling from FIRST_RETRY up to LAST_RETRY."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LAST_RETRY)


def postpone(
    path: Path, entry: dict, error: str, delays: Callable[[int], float] = backoff
) -> float:
    """Count a failed try and keep the entry for later; the delay."""
    entry["attempts"] += 1
    delay = delays(entry["attempts"])
    entry["next_try"] = time.time() + delay
    entry["last_error"] = error
    safefs.write_json(path, entry)
    return delay


@contextlib.contextmanager
def locked(d: Path) -> Iterator[None]:
    """One deliverer per queue at a time, so nothing is delivered twice."""
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(d / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
