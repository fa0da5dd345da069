"""A journal for the unit tests that filters as journald does: matches of
one field ORed, of different fields ANDed, add_disjunction() ORs groups,
add_conjunction() ANDs what came before with what follows. `reads` counts
the entries a reader was handed (journald never hands over the others),
`opened` the readers."""

import sys
import types
from datetime import UTC, datetime
from typing import Any


class Journal:
    def __init__(self, entries: list[dict[str, Any]] | None = None) -> None:
        self.entries = entries if entries is not None else []  # oldest first
        self.reads = 0
        self.opened = 0

    def install(self, monkeypatch: Any) -> "Journal":
        journal = self

        class Reader(_Reader):
            def __init__(self) -> None:
                super().__init__(journal)

        mod = types.ModuleType("systemd.journal")
        mod.Reader = Reader  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "systemd", types.SimpleNamespace(journal=mod))
        monkeypatch.setitem(sys.modules, "systemd.journal", mod)
        return self


class _Reader:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        journal.opened += 1
        self.tree: list[list[dict[str, set[str]]]] = [[{}]]
        self.pos = len(journal.entries)

    def add_match(self, *args: str, **fields: Any) -> None:
        for line in args:
            k, _, v = line.partition("=")
            self.tree[-1][-1].setdefault(k, set()).add(v)
        for k, v in fields.items():
            self.tree[-1][-1].setdefault(k, set()).add(str(v))

    def add_disjunction(self) -> None:
        if self.tree[-1][-1]:
            self.tree[-1].append({})

    def add_conjunction(self) -> None:
        if any(self.tree[-1]):
            self.tree.append([{}])

    def log_level(self, level: int) -> None:
        for i in range(level + 1):
            self.add_match(PRIORITY=str(i))

    def _matches(self, e: dict[str, Any]) -> bool:
        for ors in self.tree:
            terms = [t for t in ors if t]
            if terms and not any(
                all(str(e.get(k, "\0absent")) in vs for k, vs in t.items()) for t in terms
            ):
                return False
        return True

    def _hand(self, e: dict[str, Any]) -> dict[str, Any]:
        self.journal.reads += 1
        return e

    def seek_tail(self) -> None:
        self.pos = len(self.journal.entries)

    def seek_realtime(self, when: Any) -> None:
        t = when if isinstance(when, (int, float)) else when.timestamp()
        self.pos = next(
            (i for i, e in enumerate(self.journal.entries) if _at(e) >= t),
            len(self.journal.entries),
        )

    def get_previous(self) -> dict[str, Any]:
        while self.pos > 0:
            self.pos -= 1
            e = self.journal.entries[self.pos]
            if self._matches(e):
                return self._hand(e)
        return {}

    def get_next(self) -> dict[str, Any]:
        while self.pos < len(self.journal.entries):
            e = self.journal.entries[self.pos]
            self.pos += 1
            if self._matches(e):
                return self._hand(e)
        return {}

    def __iter__(self) -> "_Reader":
        return self

    def __next__(self) -> dict[str, Any]:
        e = self.get_next()
        if not e:
            raise StopIteration
        return e

    def close(self) -> None:
        pass


def _at(e: dict[str, Any]) -> float:
    return e["__REALTIME_TIMESTAMP"].timestamp()


def entry(at: float, **fields: Any) -> dict[str, Any]:
    return {"__REALTIME_TIMESTAMP": datetime.fromtimestamp(at, UTC), "MESSAGE": "", **fields}
