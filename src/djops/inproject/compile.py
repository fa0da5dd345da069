"""Compile code and settings like the reference's restart script, but safely.

Root runs this with the system interpreter behind the venv's python (its
bytecode tag is the one gunicorn loads), isolated from the project (-I -S).
It walks with directory file descriptors and never follows a symlink to a
directory: it compiles only in directories nobody but root can write, and
writes each .pyc through a new temp file renamed into place, so nothing the
project user planted (a `__pycache__` symlink, a .pyc symlink, a swapped
directory) is ever written through. Each .pyc gets its source's owner,
group and no more permission than its source; each __pycache__ its
parent's. Syntax errors are reported through the redactor: no source line.
"""

import contextlib
import importlib.util
import marshal
import os
import stat
from typing import Any

from . import redact

MAX_SOURCE = 16 << 20
CACHE = "__pycache__"
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


def run(argv: list[str], redactor: redact.Redactor) -> tuple[dict[str, Any], int]:
    """The worker's command line (another interpreter's bytecode tag)."""
    import argparse

    parser = argparse.ArgumentParser(prog="compile")
    parser.add_argument("--exclude", action="append", default=[])
    # these files alone (the watcher saw them change), walked to as ever
    parser.add_argument("--only", action="append", default=None)
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args(argv)
    return trees(args.dirs, args.exclude, args.only, redactor)


def trees(
    dirs: list[str], exclude: list[str], only: list[str] | None, redactor: redact.Redactor
) -> tuple[dict[str, Any], int]:
    """Compile `dirs` but `exclude`, or `only` these files of them: called
    as is in djops' own process, which parses no command line (issue 29)."""
    excluded = {os.path.abspath(e) for e in exclude}
    picked = None if only is None else {os.path.abspath(f) for f in only}
    changed: list[str] = []
    skipped: list[str] = []
    for top in dirs:
        for dirpath, dirnames, filenames, dirfd in os.fwalk(top, follow_symlinks=False):
            if not trusted(os.fstat(dirfd)):
                skipped.append(f"{dirpath}: writable by others than root")
                dirnames[:] = []
                continue
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d != CACHE and not d.startswith(".") and os.path.join(dirpath, d) not in excluded
            )
            sources = sorted(f for f in filenames if f.endswith(".py") and not f.startswith("."))
            if picked is not None:
                dirnames[:] = [d for d in dirnames if _leads_to(os.path.join(dirpath, d), picked)]
                sources = [f for f in sources if os.path.join(dirpath, f) in picked]
            if not sources:
                continue
            try:
                error = _compile_dir(dirfd, dirpath, sources, changed, skipped)
            except SyntaxError as e:
                return {"error": redactor.describe(e), "changed": changed, "skipped": skipped}, 1
            if error:
                skipped.append(error)
    return {"changed": changed, "skipped": skipped}, 0


def _leads_to(directory: str, files: set[str]) -> bool:
    return any(f.startswith(directory + os.sep) for f in files)


def trusted(st: os.stat_result) -> bool:
    """A directory only root can write (group root may)."""
    if st.st_uid != 0 or st.st_mode & stat.S_IWOTH:
        return False
    return not (st.st_mode & stat.S_IWGRP and st.st_gid != 0)


def _compile_dir(
    dirfd: int, dirpath: str, sources: list[str], changed: list[str], skipped: list[str]
) -> str:
    """Compile `sources` of one directory; an error text if its cache is unsafe."""
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(CACHE, 0o700, dir_fd=dirfd)
        cachefd = os.open(CACHE, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=dirfd)
    except OSError as e:
        return f"{dirpath}/{CACHE}: {e.strerror} (a symlink?); not written"
    try:
        if not trusted(os.fstat(cachefd)):
            return f"{dirpath}/{CACHE}: writable by others than root; not written"
        parent = os.fstat(dirfd)
        try:
            # its parent's permissions, but never setuid/setgid/sticky: a setgid
            # settings directory (chmod 2750) is common, and the unit's
            # RestrictSUIDSGID= refuses a chmod that sets such a bit
            os.fchmod(cachefd, stat.S_IMODE(parent.st_mode) & 0o755)
            if os.geteuid() == 0:
                os.fchown(cachefd, parent.st_uid, parent.st_gid)
        except OSError as e:
            return f"{dirpath}/{CACHE}: {e.strerror} setting its mode or owner; not written"
        for name in sources:
            path = os.path.join(dirpath, name)
            done = _compile_one(dirfd, cachefd, path, name)
            if done is True:
                changed.append(path)
            elif done:
                skipped.append(done)
    finally:
        os.close(cachefd)
    return ""


def _compile_one(dirfd: int, cachefd: int, path: str, name: str) -> bool | str:
    """True if compiled, False if already fresh, or why it was skipped."""
    try:  # a symlinked source in a root-only directory is root's own choice
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dirfd)
    except OSError as e:
        return f"{path}: {e.strerror}"
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SOURCE:
            return f"{path}: not a regular file of reasonable size"
        pyc = os.path.basename(importlib.util.cache_from_source(path))
        if _header_matches(_read_header(cachefd, pyc), st):
            return False
        source = f.read(MAX_SOURCE + 1)
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except ValueError as e:  # null bytes
        raise SyntaxError(str(e), (path, 0, 0, "")) from None
    data = _header(st) + marshal.dumps(code)
    try:
        _write(cachefd, pyc, data, st)
    except OSError as e:
        return f"{path}: {e.strerror}; not compiled"
    return True


def _header(st: os.stat_result) -> bytes:
    return (
        importlib.util.MAGIC_NUMBER
        + (0).to_bytes(4, "little")
        + (int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        + (st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    )


def _header_matches(header: bytes, st: os.stat_result) -> bool:
    return len(header) == 16 and header == _header(st)


def _read_header(cachefd: int, pyc: str) -> bytes:
    try:
        fd = os.open(pyc, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW, dir_fd=cachefd)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as f:
        return f.read(16) if stat.S_ISREG(os.fstat(fd).st_mode) else b""


def _write(cachefd: int, pyc: str, data: bytes, src: os.stat_result) -> None:
    tmp = f".{pyc}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp, dir_fd=cachefd)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    fd = os.open(tmp, flags, 0o600, dir_fd=cachefd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(fd, stat.S_IMODE(src.st_mode) & 0o666)  # before the owner changes
            if os.geteuid() == 0:
                os.fchown(fd, src.st_uid, src.st_gid)
        os.replace(tmp, pyc, src_dir_fd=cachefd, dst_dir_fd=cachefd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=cachefd)
        raise


def is_fresh(src: str, pyc: str) -> bool:
    """Whether `pyc` matches `src` as the import system checks it (for `djops check`)."""
    try:
        st = os.stat(src)
        fd = os.open(pyc, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as f:
        return stat.S_ISREG(os.fstat(fd).st_mode) and _header_matches(f.read(16), st)
