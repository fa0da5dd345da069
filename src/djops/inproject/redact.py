"""Keep settings values out of every message djops shows or mails.

Sources of secrets, strongest first: the values Django loaded, judged by its
own sensitive-settings rule (`sensitive.loaded`); the values a settings file
had loaded when it raised (`sensitive.from_traceback`); and, as a second net
for what never loaded, the settings directory's text (`scan`). A secret is
masked as a whole string: a generated SECRET_KEY full of `#`, `(` and `=` is
masked in one piece. Messages carry the exception type, file and line, and
the redacted text; never a source line.
"""

import os
from collections.abc import Iterable
from typing import Any

from . import sensitive
from .sensitive import MIN_LENGTH

MASK = "********"
# the key of a report that carries the loaded values to root (djops.adapters.secrets)
LOADED = "_djops_loaded_secrets"
# a bound on what one project may ask every relay to mask
MAX_SECRETS, MAX_SECRET_LENGTH = 2000, 1 << 16


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets: set[str] = set()
        self._longest_first: list[str] | None = None  # sorted once per change, not per line
        self.loaded: set[str] = set()  # from Django's loaded values, for the root relays
        self._unscanned: str | None = None  # a settings directory read on first use
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        for s in secrets:
            if isinstance(s, str) and MIN_LENGTH <= len(s) <= MAX_SECRET_LENGTH:
                if len(self.secrets) >= MAX_SECRETS:
                    return
                self.secrets.add(s)
                self._longest_first = None

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
        self.add(sensitive.from_traceback(exc, settings_dir))

    def redact(self, text: str) -> str:
        if self._unscanned is not None:
            self._scan()
        if self._longest_first is None:
            self._longest_first = sorted(self.secrets, key=len, reverse=True)
        for secret in self._longest_first:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

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
        text = f"{type(exc).__name__}: {msg}".strip().rstrip(":") + where
        return self.redact(" ".join(text.split()))


def source_secrets(path: str) -> set[str]:
    """The static scan, for callers that only read the text."""
    from . import scan

    return scan.source_secrets(path)
