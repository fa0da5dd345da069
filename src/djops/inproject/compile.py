"""Compile code and settings like the reference's restart script, but safely.

Root runs this with the project's venv python (its bytecode tag is the one
gunicorn loads). Each .pyc gets its source's group and no more permission
than its source, and each __pycache__ no more than its parent directory, so a
0640 root:P settings file never yields a world-readable compiled copy.
Syntax errors are reported through the redactor: no source line is shown.
"""

import argparse
import importlib.util
import os
import py_compile
from typing import Any

from . import redact


def run(argv: list[str], redactor: redact.Redactor) -> tuple[dict[str, Any], int]:
    parser = argparse.ArgumentParser(prog="compile")
    parser.add_argument("--exclude", action="append", default=[])
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args(argv)
    excluded = [os.path.abspath(e) for e in args.exclude]
    changed: list[str] = []
    for top in args.dirs:
        for src in _sources(top, excluded):
            pyc = importlib.util.cache_from_source(src)
            if _fresh(src, pyc):
                continue
            try:
                py_compile.compile(src, cfile=pyc, doraise=True)
            except py_compile.PyCompileError as e:
                cause = e.exc_value if isinstance(e.exc_value, BaseException) else e
                return {"error": redactor.describe(cause), "changed": changed}, 1
            _match_permissions(src, pyc)
            changed.append(src)
    return {"changed": changed}, 0


def _sources(top: str, excluded: list[str]):
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(
            d
            for d in dirs
            if d != "__pycache__"
            and not d.startswith(".")
            and os.path.abspath(os.path.join(root, d)) not in excluded
        )
        for name in sorted(files):
            if name.endswith(".py") and not name.startswith("."):
                yield os.path.join(root, name)


def _fresh(src: str, pyc: str) -> bool:
    try:
        with open(pyc, "rb") as f:
            header = f.read(16)
        st = os.stat(src)
    except OSError:
        return False
    flags = int.from_bytes(header[4:8], "little")
    mtime = int.from_bytes(header[8:12], "little")
    size = int.from_bytes(header[12:16], "little")
    magic_ok = header[:4] == importlib.util.MAGIC_NUMBER
    return (
        magic_ok
        and flags == 0
        and mtime == int(st.st_mtime) & 0xFFFFFFFF
        and size == st.st_size & 0xFFFFFFFF
    )


def _match_permissions(src: str, pyc: str) -> None:
    st = os.stat(src)
    cache_dir = os.path.dirname(pyc)
    parent = os.stat(os.path.dirname(cache_dir))
    if os.geteuid() == 0:
        os.chown(cache_dir, parent.st_uid, parent.st_gid)
        os.chown(pyc, st.st_uid, st.st_gid)
    os.chmod(cache_dir, parent.st_mode & 0o7777)
    os.chmod(pyc, st.st_mode & 0o666)
