"""Keep settings values out of every message djops shows or mails.

Sources of secrets, strongest first: the values Django loaded, judged by its
own sensitive-settings rule (`sensitive.loaded`); the values a settings file
had loaded when it raised (`sensitive.from_traceback`); and, as a second net
for what never loaded, the settings directory's text (`scan`). A secret is
masked as a whole string: a generated SECRET_KEY full of `#`, `(` and `=` is
masked in one piece, in every form it takes in text (`forms`: its repr,
JSON and URL-quoted spellings). Messages carry the exception type, file and
line, and the redacted text; never a source line. A settings module's own
exception is masked further with every string its globals held
(`sensitive.module_strings`), whatever their names.
"""

import os
from collections.abc import Iterable
from typing import Any

from . import forms, sensitive
from .sensitive import MIN_LENGTH

MASK = "********"
# the key of a report that carries the loaded values to root (djops.bridge.secrets)
LOADED = "_djops_loaded_secrets"
# a bound on what one project may ask every relay to mask
MAX_SECRETS, MAX_SECRET_LENGTH = 2000, 1 << 16


class Masks:
    """Values to mask, each in every form it takes in text (`forms.forms`)."""

    def __init__(self, values: Iterable[str] = ()):
        self.values: set[str] = set()
        self._longest_first: list[tuple[str, str]] | None = None  # (form, its core)
        self._cores: set[str] = set()
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        for v in values:
            if v not in self.values:
                self.values.add(v)
                self._longest_first = None

    def __call__(self, text: str) -> str:
        if self._longest_first is None:  # sorted once per change, not per line
            pairs = {p for v in self.values for p in forms.with_cores(v)}
            self._longest_first = sorted(pairs, key=lambda p: (-len(p[0]), p[0]))
            self._cores = {c for _, c in pairs}
        # a form is in the text only if its core is (a core "" always is):
        # most lines hold no secret and cost one look per value
        present = {c for c in self._cores if c in text}
        if not present:
            return text
        for form, core in self._longest_first:
            if core in present and form in text:
                text = text.replace(form, MASK)
        return text


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets: set[str] = set()
        self._masks = Masks()
        self.loaded: set[str] = set()  # from Django's loaded values, for the root relays
        self._unscanned: str | None = None  # a settings directory read on first use
        self._context: set[str] = set()  # a raising settings module's strings (describe only)
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        for s in secrets:
            if isinstance(s, str) and MIN_LENGTH <= len(s) <= MAX_SECRET_LENGTH:
                if len(self.secrets) >= MAX_SECRETS:
                    break
                if s not in self.secrets:
                    self.secrets.add(s)
                    self._masks.add([s])

    @classmethod
    def from_settings_dir(cls, settings_dir: str, lazy: bool = False) -> "Redactor":
        """`lazy`: the directory is read when a message is first redacted (the
        project's python: most of its runs, a claim or a compile with nothing
        wrong, never redact one, and the scan costs a parse of every settings
        file and 3 MB held for a claim's length)."""
        r = cls()
        r._unscanned = settings_dir
        if not lazy:
            r._scan()
        return r

    def _scan(self) -> None:
        settings_dir, self._unscanned = self._unscanned, None
        if settings_dir is None:
            return
        from . import scan

        found: set[str] = set()
        for root, dirs, files in os.walk(settings_dir):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                path = os.path.join(root, name)
                if name.endswith(".py"):
                    found |= scan.source_secrets(path)
                elif not name.endswith((".pyc", ".pyo")):
                    found |= scan.other_file_secrets(path)
        self.add(found)

    def add_settings(self, settings: Any) -> None:
        """Learn the values Django loaded (in the project's python only)."""
        self.loaded = sensitive.loaded(settings)
        self.add(self.loaded)

    def learn_from(self, exc: BaseException, settings_dir: str) -> None:
        """What a settings module held when it raised: its sensitive values
        for everything, and all its strings for `describe`'s message."""
        self.add(sensitive.from_traceback(exc, settings_dir))
        self._context |= sensitive.module_strings(exc, settings_dir)

    def redact(self, text: str) -> str:
        if self._unscanned is not None:
            self._scan()
        return self._masks(text)

    def describe(self, exc: BaseException) -> str:
        """`Type: message (file, line N)`, redacted, with no source text."""
        where = ""
        if isinstance(exc, SyntaxError):
            msg = exc.msg or ""
            if exc.filename:
                where = f" ({exc.filename}, line {exc.lineno})"
        else:
            msg = str(exc)
            import traceback

            frames = traceback.extract_tb(exc.__traceback__)
            if frames:
                where = f" ({frames[-1].filename}, line {frames[-1].lineno})"
        if self._context:  # the message only: type, file and line say where to look
            msg = Masks(self._context)(msg)
        text = f"{type(exc).__name__}: {self.redact(msg)}".strip().rstrip(":") + where
        return self.redact(" ".join(text.split()))


def source_secrets(path: str) -> set[str]:
    """The static scan, for callers that only read the text."""
    from . import scan

    return scan.source_secrets(path)
