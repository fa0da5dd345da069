"""The second net: secrets found in the settings directory's text, for
values Django never loaded (a syntax error on the password line, a file the
settings read but a broken import never reached).

A secret is a whole string constant on the value side of a sensitive-looking
name: an assignment (also through a subscript, `DATABASES["default"]
["PASSWORD"] = ...`), a dict key, a keyword argument, an environment default
(`os.environ.setdefault("SECRET_KEY", "...")`), or a name such a value was
first given to (`DB_PW = "..."` then `"PASSWORD": DB_PW`).
"""

import ast
import contextlib
import io
import os
import re
import stat
import tokenize
from typing import Any

from .sensitive import HIDDEN, MIN_LENGTH

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# NAME = / NAME: T = / NAME= (keyword) / "NAME": (dict key) / ["NAME"] = / ("NAME", ; not ==
_TARGET = re.compile(
    r"""(?:(['"])(?P<key>[A-Za-z_][A-Za-z0-9_]*)\1\s*:"""
    r"""|\[\s*(['"])(?P<sub>[A-Za-z_][A-Za-z0-9_]*)\3\s*\]\s*=(?!=)"""
    r"""|\(\s*(['"])(?P<arg>[A-Za-z_][A-Za-z0-9_]*)\5\s*,"""
    r"""|\b(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=(?!=))\s*"""
)
_PREFIX = re.compile(r"""[rRbBuUfF]{0,2}(?=['"])""")
_QUOTES = ("'''", '"""', "'", '"')


def source_secrets(path: str) -> set[str]:
    """Every string constant on the value side of a sensitive-looking name
    in one settings file, and the value first given to a name that such a
    place refers to."""
    try:
        text = _read_text(path, 1 << 20, follow=True)
    except (OSError, UnicodeError):
        return set()
    names: set[str] = set()
    assigned: dict[str, set[str]] = {}
    found = _from_tokens(text)
    for line in text.splitlines():
        found |= _from_line(line, names, assigned)
    for bare in found & set(assigned):  # "PASSWORD": DB_PW
        found |= assigned[bare]
    # Setting names (SECRET_KEY in `os.environ["SECRET_KEY"]`) are not secrets,
    # and masking them would make messages useless.
    return {s for s in found if len(s) >= MIN_LENGTH} - names


def other_file_secrets(path: str) -> set[str]:
    """`NAME=value` lines of env files with a sensitive NAME, and lines that
    are one long token (a key file the settings read)."""
    try:
        text = _read_text(path, 64 << 10, follow=False)
    except (OSError, UnicodeError):
        return set()
    found: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, eq, value = line.partition("=")
        name = name.strip().removeprefix("export ").strip()
        if eq and _IDENT.fullmatch(name):
            if HIDDEN.search(name):
                found.add(value.strip().strip("'\""))
        elif len(line) >= 8 and not any(c.isspace() for c in line):
            found.add(line)
    return {s for s in found if len(s) >= MIN_LENGTH}


def _read_text(path: str, limit: int, follow: bool) -> str:
    """Never blocks on a FIFO, never reads a device or an endless file."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise OSError(f"{path}: not a regular file of reasonable size")
        data = f.read(limit)
    if b"\0" in data:
        raise UnicodeError("binary file")
    return data.decode("utf-8", "replace")


def _from_line(line: str, names: set[str], assigned: dict[str, set[str]]) -> set[str]:
    """Quote-aware scan of one physical line: works when the file does not
    parse (an unterminated string runs to the end of the line). Notes the
    strings given to every plain name in `assigned`."""
    found: set[str] = set()
    for m in _TARGET.finditer(line):
        name = m.group("key") or m.group("sub") or m.group("arg") or m.group("name")
        names.add(name)
        if _in_string_or_comment(line, m.start()):
            continue
        if not HIDDEN.search(name):
            if m.group("name"):
                assigned.setdefault(name, set()).update(_strings_from(line, m.end())[0])
            continue
        strings, bare = _strings_from(line, m.end())
        found |= strings
        if not strings and bare:
            found.add(bare)
    return found


def _quote_at(line: str, i: int) -> str:
    return next((q for q in _QUOTES if line.startswith(q, i)), "")


def _string_end(line: str, i: int, quote: str, raw: bool) -> int:
    """Index of the closing quote of a string whose body starts at `i`."""
    while i < len(line) and not line.startswith(quote, i):
        i += 2 if line[i] == "\\" and not raw else 1
    return min(i, len(line))


def _in_string_or_comment(line: str, pos: int) -> bool:
    i = 0
    while i < pos:
        if line[i] == "#":
            return True
        m = _PREFIX.match(line, i)
        quote = _quote_at(line, i + len(m.group())) if m else ""
        if quote:
            j = i + len(m.group()) + len(quote)
            end = _string_end(line, j, quote, "r" in m.group().lower())
            if end >= pos:
                return True
            i = end + len(quote)
            continue
        i += 1
    return False


def _strings_from(line: str, i: int) -> tuple[set[str], str]:
    """String constants from `i` to the end of the value (`#`, or `,` or a
    closing bracket at depth 0), and the value itself if it is a bare name."""
    found: set[str] = set()
    depth, start = 0, i
    while i < len(line):
        m = _PREFIX.match(line, i)
        quote = _quote_at(line, i + len(m.group())) if m else ""
        if quote:
            body = i + len(m.group()) + len(quote)
            end = _string_end(line, body, quote, "r" in m.group().lower())
            found.add(line[body:end])
            with contextlib.suppress(Exception):
                found.add(_as_text(ast.literal_eval(line[i : end + len(quote)])))
            i = end + len(quote)
            continue
        c = line[i]
        if c == "#":
            break
        if c in "([{":
            depth += 1
        elif c in ")]},":
            if depth == 0:
                break
            depth -= c != ","
        i += 1
    bare = line[start:i].strip()
    return {s for s in found if s}, bare if _IDENT.fullmatch(bare) else ""


def _from_tokens(text: str) -> set[str]:
    """String tokens after a sensitive name, to the end of its value: values
    that span lines (a triple-quoted private key, a wrapped dict)."""
    found: set[str] = set()
    collecting, depth, prev, before = False, 0, None, None
    fstring_middle = getattr(tokenize, "FSTRING_MIDDLE", -1)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, value = tok.type, tok.string
            if collecting:
                if kind == tokenize.OP and value in "([{":
                    depth += 1
                elif kind == tokenize.OP and value in ")]}":
                    depth -= 1
                    collecting = depth >= 0
                elif (kind == tokenize.OP and value == "," and depth == 0) or kind in (
                    tokenize.NEWLINE,
                    tokenize.ENDMARKER,
                ):
                    collecting = False
                elif kind == tokenize.STRING:
                    with contextlib.suppress(Exception):
                        found.add(_as_text(ast.literal_eval(value)))
                elif kind == fstring_middle:
                    found.add(value)
            elif kind == tokenize.OP and value in ("=", ":") and prev is not None:
                name = prev.string if prev.type == tokenize.NAME else ""
                if prev.type == tokenize.STRING and value == ":":
                    with contextlib.suppress(Exception):
                        name = str(ast.literal_eval(prev.string))
                elif (
                    prev.string == "]"
                    and value == "="
                    and before
                    and before.type == tokenize.STRING
                ):
                    with contextlib.suppress(Exception):  # X["PASSWORD"] = (...)
                        name = str(ast.literal_eval(before.string))
                if name and HIDDEN.search(name):
                    collecting, depth = True, 0
            if kind not in (tokenize.NL, tokenize.COMMENT):
                before, prev = prev, tok
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass  # the line scan covers what follows the error
    return found


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""
