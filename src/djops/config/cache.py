"""The type-checked form of P.toml, as `djops enable` (root) last read and
checked it, schedules included: /var/lib/djops/config/P.json, keyed by
the file's SHA-256 and djops' version.

Every run of a job loads the config up to three times (the pause
condition, the run, the step after it); parsing and checking a thousand
[jobs.NAME] tables costs ~60 ms each time, reading this ~3 ms. A file
edited since enable does not match and is read and checked again (all
but its schedules, which systemd reads at the next enable or check).
Beside it goes what a job run's load needs of the schema (its live checks,
a job's defaults), so that load imports no schema (djops.config.run_load).
Only root writes it, with P.toml's owner and mode (the job's environment
may be secret); a copy anyone else could have written is ignored."""

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from djops import __version__, digest, paths, safefs

# {"sections": {section: {key: [value, given]}}, "jobs": {NAME: {key: value given}},
#  "run": what a job run's load needs of the schema (djops.config.schema.run_shape)}
Typed = dict[str, Any]
RUN = "run"


def path(name: str) -> Path:
    return paths.state_dir() / "config" / f"{name}.json"


def _key(raw: bytes) -> str:
    return f"{__version__}:{digest.sha256(raw).hexdigest()}"


def read(name: str, raw: bytes) -> Typed | None:
    """The checked form of `raw` (P.toml's bytes), or None: none kept, kept
    for other bytes or another djops, or not root's alone."""
    target = path(name)
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if st.st_uid not in (0, os.geteuid()) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            data = json.loads(f.read(safefs.MAX_STATE_BYTES))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    if not isinstance(data, dict) or data.get("key") != _key(raw):
        return None
    typed = data.get("typed")
    ok = isinstance(typed, dict) and isinstance(typed.get("sections"), dict)
    return typed if ok and isinstance(typed.get("jobs"), dict) else None


def write(name: str, source: Path, raw: bytes, typed: Typed) -> None:
    """Keep `typed` for `raw`; best effort (a load without it is only slower)."""
    if os.geteuid() != 0:
        return
    try:
        st = source.stat()
        body = json.dumps({"key": _key(raw), "typed": typed}, separators=(",", ":"))
        target = path(name)
        target.parent.mkdir(mode=0o755, exist_ok=True)
        mode = stat.S_IMODE(st.st_mode) & 0o644
        safefs.write_atomic(target, body.encode("utf-8"), mode=mode, owner=(0, st.st_gid))
    except (OSError, TypeError, ValueError):  # a TOML date, a read-only /var: no cache
        with contextlib.suppress(OSError):
            path(name).unlink()


def forget(name: str) -> None:
    with contextlib.suppress(OSError):
        path(name).unlink()
