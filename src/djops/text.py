"""Text that reaches a terminal, a mail or a header: no control characters.

Journal fields, unit output and file names can come from the project user or
any local user; an escape sequence in them must not reach root's terminal or
a mail reader. Each control character becomes a visible `\\xNN`; so do, as
`\\uNNNN`, the invisible ones that change what a reader sees: bidirectional
overrides and isolates (a name that reads backwards, "Trojan Source"),
zero-width characters and Unicode's own line separators.
"""

import functools
import re

# bidi marks, embeddings, overrides, isolates; zero-width space/joiners,
# word joiner, BOM; line and paragraph separators; soft hyphen
_INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"


@functools.cache
def _control(newlines: bool) -> re.Pattern[str]:
    """What printable() escapes, compiled on first use: every start imports
    this module, and the step after each job run prints nothing (~0.5 ms)."""
    if newlines:  # tab and newline kept
        return re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_INVISIBLE}]")
    return re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_INVISIBLE}]")


def _escaped(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object, newlines: bool = True) -> str:
    """`value` as text, control characters (but tab and, if asked, newline)
    and invisible direction or zero-width characters escaped."""
    return _control(newlines).sub(_escaped, str(value))


def one_line(value: object, limit: int = 200) -> str:
    """A header-safe single line: runs of control characters become one space."""
    return re.sub(f"[\\x00-\\x1f\\x7f-\\x9f{_INVISIBLE}]+", " ", str(value)).strip()[:limit]


def plural(n: object, noun: str, nouns: str = "") -> str:
    """`1 file`, `2 files`, `1 batch`, `3 batches` (`nouns` when adding an
    s is wrong): a count a user reads agrees with its noun. A float shows
    as `:g` would ("1 hour", "1.5 hours"); anything else (None, "?") as is,
    with the plural."""
    shown = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{shown} {noun if shown == '1' else nouns or noun + 's'}"


def span(seconds: float) -> str:
    """How long, in one unit a reader takes in at once, the same in every
    line djops writes: 0.65 s, 16 s, 25 min, 3.5 h, 7 days. Two significant
    digits under 10 s (a short run's length still shows), whole seconds
    under 2 min, then minutes, hours up to two days, then days."""
    seconds = max(seconds, 0.0)
    if seconds < 10:
        return f"{round(seconds, 2):.2g} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{round(seconds / 3600, 1):g} h"
    return f"{round(seconds / 86400, 1):g} days"
