"""Every form a secret value takes in text, derived in one place.

A password that holds a backslash, a quote, a non-ASCII letter or a `%`
never appears as itself in a repr: `print(settings.DATABASES)`,
`int(PASSWORD)`'s ValueError, a traceback, a JSON log line or a URL show an
escaped spelling. Each escape here works character by character, so the
escaped text of a value is the same wherever the value sits inside a longer
string; only the text between the quotes is taken, and the mask leaves the
quotes around it (`'********'`).

The forms: the value itself; the inner text of repr() and ascii() in either
quote style Python picks (the value's own, or that of a longer string
holding it), and of the repr of its UTF-8 bytes; json.dumps with and without
ensure_ascii; and these escapes applied twice (the repr of an exception whose
message quotes the value, a JSON log line of such a message); and
urllib.parse.quote (safe "/"), quote with safe "" and quote_plus. A
line-by-line relay shows a value without its surrounding whitespace (a key
read from a file with its newline) and a multi-line value (a PEM key) one
line at a time: the stripped value (if it keeps STRIPPED_MIN characters)
and each line of at least LINE_MIN characters are values of their own.
"""

import functools
import json
import re
from collections.abc import Callable
from urllib.parse import quote, quote_plus

_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")  # nothing below escapes these
_ALNUM = re.compile(r"[A-Za-z0-9]+")
LINE_MIN = 8
STRIPPED_MIN = 3  # sensitive.MIN_LENGTH: "ab\n" must not mask every "ab"


def _repr_in(quote_char: str, show: Callable[[object], str]) -> Callable[[str], str | None]:
    """The inner text of repr/ascii in one quote style; None when Python
    never shows the value in that style (a `"` forces the `'` style)."""
    other = '"' if quote_char == "'" else "'"

    def inner(v: str) -> str | None:
        if quote_char == '"' and '"' in v:
            return None
        return show(other + v)[2:-1]  # `other` makes Python pick `quote_char`

    return inner


def _bytes_in(quote_char: str) -> Callable[[str], str | None]:
    other = b'"' if quote_char == "'" else b"'"

    def inner(v: str) -> str | None:
        try:
            raw = v.encode("utf-8")
        except UnicodeError:
            return None
        if quote_char == '"' and b'"' in raw:
            return None
        return repr(other + raw)[3:-1]  # b'"...' or b"'..."

    return inner


ESCAPES: tuple[Callable[[str], str | None], ...] = (
    _repr_in("'", repr),
    _repr_in('"', repr),
    _repr_in("'", ascii),
    _repr_in('"', ascii),
    lambda v: json.dumps(v)[1:-1],
    lambda v: json.dumps(v, ensure_ascii=False)[1:-1],
)
BYTES = (_bytes_in("'"), _bytes_in('"'))
URL = (lambda v: quote(v), lambda v: quote(v, safe=""), lambda v: quote_plus(v))


def forms(value: str) -> list[str]:
    """Every string to mask for `value`, longest first."""
    return [f for f, _ in with_cores(value)]


@functools.lru_cache(maxsize=8192)
def with_cores(value: str) -> tuple[tuple[str, str], ...]:
    """(form, core) for each form of `value`, longest first: letters and
    digits are never escaped, so `core`, the longest ASCII run of them in the
    part the form spells, is in the form; a text without it holds no such
    form ("" when there is no such run)."""
    if _PLAIN.fullmatch(value):
        return ((value, core(value)),)
    found: dict[str, str] = {}
    for v in _parts(value):
        once = {f for e in ESCAPES if (f := _safe(e, v)) is not None}
        twice = {f for w in once for e in ESCAPES if (f := _safe(e, w)) is not None}
        other = {f for e in (*BYTES, *URL) if (f := _safe(e, v)) is not None}
        c = core(v)
        for f in {v} | once | twice | other:
            if f:
                found.setdefault(f, c)  # two parts that spell one form: both cores are in it
    return tuple(sorted(found.items(), key=lambda p: (-len(p[0]), p[0])))


def _parts(value: str) -> set[str]:
    """The value, stripped, and the lines of a multi-line one."""
    stripped = value.strip()
    parts = {value, stripped} if len(stripped) >= STRIPPED_MIN else {value}
    lines = stripped.splitlines()
    if len(lines) > 1:
        parts |= {ln.strip() for ln in lines if len(ln.strip()) >= LINE_MIN}
    return parts


def core(value: str) -> str:
    """The longest run of ASCII letters and digits: in every form ("" if none)."""
    return max(_ALNUM.findall(value), key=len, default="")


def _safe(escape: Callable[[str], str | None], v: str) -> str | None:
    try:
        return escape(v)
    except (UnicodeError, ValueError):  # a lone surrogate in the value
        return None
