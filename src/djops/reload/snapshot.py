"""What the watcher compares: the content, mode and owner of every file that
matters under the watched paths.

Content-aware on purpose: `touch`, or an editor writing identical bytes,
changes nothing here and so reloads nothing. Files are hashed only when their
stat changed, so a rescan of an unchanged tree costs one stat per file.
"""

import os
import stat
from typing import NamedTuple

from djops import digest as sha

# editor temp and swap files, vim's write probe, bytecode
_SUFFIXES = (".pyc", ".pyo", "~", ".tmp", ".swp", ".swo", ".swx", ".bak", ".orig", ".rej")
_NAMES = {"__pycache__", "4913"}


def ignored_name(name: str) -> bool:
    return name.startswith(".") or name in _NAMES or name.endswith(_SUFFIXES)


def relevant(path: str, roots: list[str]) -> bool:
    """Whether a change at `path` can matter (no component below its root ignored)."""
    for root in roots:
        rel = os.path.relpath(path, root)
        if rel == "." or not rel.startswith(".."):
            return rel == "." or not any(ignored_name(part) for part in rel.split(os.sep))
    return False


class Entry(NamedTuple):  # not a dataclass: each step of a reload imports this (~5 ms)
    stat_key: tuple[int, ...]  # when this changes, hash again
    digest: str
    mode: int
    uid: int
    gid: int

    def same_as(self, other: "Entry") -> bool:
        return (self.digest, self.mode, self.uid, self.gid) == (
            other.digest,
            other.mode,
            other.uid,
            other.gid,
        )


Snapshot = dict[str, Entry]


def take(roots: list[str], previous: Snapshot | None = None) -> Snapshot:
    previous = previous or {}
    snap: Snapshot = {}
    for root in roots:
        for top, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not ignored_name(d)]
            for name in files:
                if ignored_name(name):
                    continue
                path = os.path.join(top, name)
                if entry := _entry(path, previous.get(path)):
                    snap[path] = entry
    return snap


MAX_HASHED = 64 << 20  # bigger files are compared by their stat alone


def _entry(path: str, old: Entry | None) -> Entry | None:
    """Regular files only: a symlink to /dev/zero or a FIFO in a watched
    directory must not hang the watcher (it runs as root)."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
        key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        if old and old.stat_key == key:
            return old
        if st.st_size > MAX_HASHED:
            return Entry(
                key,
                f"size:{st.st_size}:{st.st_mtime_ns}",
                st.st_mode & 0o7777,
                st.st_uid,
                st.st_gid,
            )
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the stat
                return None
            digest = sha.sha256(f.read(MAX_HASHED)).hexdigest()
    except OSError:  # vanished or unreadable mid-walk: the next event rescans
        return None
    return Entry(key, digest, st.st_mode & 0o7777, st.st_uid, st.st_gid)


def diff(old: Snapshot, new: Snapshot) -> list[str]:
    """Paths added, removed or changed, sorted."""
    changed = {p for p in old.keys() ^ new.keys()}
    changed |= {p for p in old.keys() & new.keys() if not old[p].same_as(new[p])}
    return sorted(changed)
