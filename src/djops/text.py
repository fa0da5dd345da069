"""Text that reaches a terminal, a mail or a header: no control characters.

Journal fields, unit output and file names can come from the project user or
any local user; an escape sequence in them must not reach root's terminal or
a mail reader. Each control character becomes a visible `\\xNN`.
"""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(value: object, newlines: bool = True) -> str:
    """`value` as text, control characters (but tab and, if asked, newline) escaped."""
    pattern = _CONTROL if newlines else _CONTROL_OR_NEWLINE
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def one_line(value: object, limit: int = 200) -> str:
    """A header-safe single line: runs of control characters become one space."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", str(value)).strip()[:limit]


def has_control(value: str) -> bool:
    return bool(_CONTROL_OR_NEWLINE.search(value))
