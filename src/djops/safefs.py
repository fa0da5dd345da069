"""File access for code that runs as root next to files others can write.

Root never follows a symlink the project user could have planted, never
blocks on a FIFO or reads /dev/zero, and trusts a path only when nobody but
root can change it or any directory above it.
"""

import contextlib
import errno
import json
import os
import pwd
import stat
from pathlib import Path
from typing import Any

MAX_STATE_BYTES = 1 << 20  # state files are small; anything bigger is garbage


class Unsafe(Exception):
    """A path is not what root may trust; str() says which and what to do."""


def owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def root_only_stat(st: os.stat_result) -> bool:
    """Owned by root and writable by nobody else (group root may write)."""
    if st.st_uid != 0 or st.st_mode & stat.S_IWOTH:
        return False
    return not (st.st_mode & stat.S_IWGRP and st.st_gid != 0)


def check_root_only(path: str) -> None:
    """Raise Unsafe unless `path` and every directory above it are root's alone.

    A root-owned sticky directory above (/tmp) counts as safe: nobody else can
    rename or remove the root-owned entry below it."""
    real = os.path.realpath(path)
    parts = Path(real).parts
    for i in range(len(parts), 0, -1):
        here = os.path.join(*parts[:i])
        try:
            st = os.lstat(here)
        except OSError as e:
            raise Unsafe(f"{here}: {e.strerror}") from None
        sticky_above = i < len(parts) and st.st_uid == 0 and st.st_mode & stat.S_ISVTX
        if not root_only_stat(st) and not sticky_above:
            who = owner_name(st.st_uid) if st.st_uid else "its group or others"
            raise Unsafe(
                f"{here} is writable by {who} (owner {owner_name(st.st_uid)}, mode "
                f"{stat.S_IMODE(st.st_mode):04o}): chown root:root {here}; chmod go-w {here}"
            )


def read_bytes(path: Path | str, limit: int = MAX_STATE_BYTES, follow: bool = False) -> bytes:
    """A regular file's bytes, at most `limit`; symlinks refused unless `follow`.

    Raises OSError (ELOOP for a symlink, EINVAL for anything not a regular
    file or too big) so callers treat it like a missing or broken file.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise OSError(22, "not a regular file of reasonable size", str(path))
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read(limit + 1)[:limit]
    finally:
        os.close(fd)


def read_json(path: Path | str, limit: int = MAX_STATE_BYTES) -> Any:
    """Parsed JSON of a state file; OSError or ValueError when it is not one."""
    return json.loads(read_bytes(path, limit).decode("utf-8"))


def write_atomic(
    path: Path | str,
    data: bytes,
    mode: int = 0o600,
    owner: tuple[int, int] | None = None,
    durable: bool = True,
) -> None:
    """Write to a new temp file beside `path` (never an existing one, never
    through a symlink), fsync, rename over `path`, fsync the directory: a
    crash leaves the old file or the new one, never an empty one.
    `durable=False`: no fsync (a kill -9 still leaves the old or the new
    file; only a power cut may leave an empty one), for what is rewritten
    every minute and read as no news when garbage."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(fd, mode)  # the umask must not narrow it
            if owner is not None:
                os.fchown(fd, *owner)
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if not durable:
        return
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_json(path: Path | str, value: Any, mode: int = 0o600, durable: bool = True) -> None:
    write_atomic(path, json.dumps(value).encode("utf-8"), mode, durable=durable)


def open_dir(path: str | Path) -> tuple[int, os.stat_result]:
    """A descriptor of the directory `path` and its parent's stat, reached
    one component at a time without following any symlink: whoever owns a
    directory on the way (prometheus owns /var/lib/prometheus) cannot swap
    the next one for a link to where root would then write. OSError
    (ELOOP, ENOTDIR) for a link on the way."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
    parts = Path(path).parts
    if not parts or parts[0] != "/":
        raise OSError(22, "not an absolute path", str(path))
    fd = os.open("/", flags)
    parent = os.fstat(fd)
    try:
        for part in parts[1:]:
            try:
                nfd = os.open(part, flags | os.O_NOFOLLOW, dir_fd=fd)
            except OSError as e:
                if e.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise OSError(
                        e.errno, "a symlink or not a directory: not followed", str(path)
                    ) from None
                raise
            parent = os.fstat(fd)
            os.close(fd)
            fd = nfd
    except BaseException:
        os.close(fd)
        raise
    return fd, parent


def write_atomic_at(
    dirfd: int, name: str, data: bytes, mode: int = 0o600, durable: bool = True
) -> None:
    """write_atomic() inside an open directory: no path is looked up again.
    `durable=False`: no fsync, for a file rewritten every minute (what a
    crash loses the next write brings back; two fsyncs a round were a
    fifth of a health round's CPU at 100 projects)."""
    tmp = f".{name}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp, dir_fd=dirfd)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, mode, dir_fd=dirfd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(fd, mode)
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, name, src_dir_fd=dirfd, dst_dir_fd=dirfd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dirfd)
        raise
    if durable:
        with contextlib.suppress(OSError):
            os.fsync(dirfd)
