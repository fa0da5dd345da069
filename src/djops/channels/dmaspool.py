"""dma's own queue (/var/spool/dma): what it holds. One `M<id>` file per
accepted message (its headers first) and a `Q<id>` file per recipient.

Asked by the health check (is anything stuck?) and by the outbox (did dma
take this message before a run handing it over was killed?).
"""

import os
import time
from pathlib import Path

from djops import paths, safefs

HEADER_BYTES = 64 << 10


def queued() -> list[os.DirEntry]:
    """One entry per recipient still waiting in dma's queue."""
    return [e for e in _entries() if e.name.startswith("Q")]


def age(f: os.PathLike[str] | str) -> float:
    """Seconds since a queued file (dma's or the outbox's) last changed; 0
    if it vanished meanwhile. Links are not followed."""
    try:
        return time.time() - os.lstat(f).st_mtime
    except OSError:
        return 0.0


def holds(message_id: str) -> bool:
    """Whether dma has a message with this Message-Id waiting to be delivered."""
    wanted = message_id.strip().lower().encode()
    for e in _entries():
        if not e.name.startswith("M"):
            continue
        try:
            head = safefs.read_bytes(Path(e.path), limit=1 << 30)[:HEADER_BYTES]
        except OSError:
            continue
        for line in head.split(b"\n\n", 1)[0].splitlines():
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"message-id" and value.strip().lower() == wanted:
                return True
    return False


def _entries() -> list[os.DirEntry]:
    try:
        return [e for e in os.scandir(paths.dma_spool()) if e.is_file(follow_symlinks=False)]
    except OSError:
        return []
