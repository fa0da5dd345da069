"""One item of `djops check`: a section, ok / warn / fail, and one line that
says what is right or what to do."""

from dataclasses import dataclass

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Item:
    section: str
    level: str
    text: str


def item(section: str, ok: bool, good: str, bad: str, level: str = FAIL) -> Item:
    """`good` when ok, else `bad` (which says what to do) at `level`."""
    return Item(section, OK if ok else level, good if ok else bad)
