"""Keep settings values out of every message djops shows or mails.

Two sources of secrets: the settings files' text (works even when they do not
import, e.g. a syntax error on the password line) and, once Django is set up,
the values of settings whose names look sensitive (Django's own rule in
SafeExceptionReporterFilter). Messages carry the exception type, file and line,
and the redacted text; never a source line.
"""

import os
import re
import traceback
from collections.abc import Iterable
from typing import Any

HIDDEN = re.compile(r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|CREDENTIAL|PRIVATE|DSN", re.I)
_ASSIGN = re.compile(r"""^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*(.+)$""")
_DICT_ITEM = re.compile(r"""['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*:\s*([^,{}]+)""")
_WORD = re.compile(r"""[^\s'"(),\[\]{}=:;#]{3,}""")
MASK = "********"


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()):
        self.secrets: set[str] = {s for s in secrets if len(s) >= 3}

    @classmethod
    def from_settings_dir(cls, settings_dir: str) -> "Redactor":
        found: set[str] = set()
        for root, dirs, files in os.walk(settings_dir):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if name.endswith(".py"):
                    found |= source_secrets(os.path.join(root, name))
        return cls(found)

    def add_settings(self, settings: Any) -> None:
        for name in dir(settings):
            if name.isupper():
                self.secrets |= set(_sensitive_values(name, getattr(settings, name, None)))

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
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
            frames = traceback.extract_tb(exc.__traceback__)
            if frames:
                where = f" ({frames[-1].filename}, line {frames[-1].lineno})"
        text = f"{type(exc).__name__}: {msg}".strip().rstrip(":") + where
        return self.redact(" ".join(text.split()))


def source_secrets(path: str) -> set[str]:
    """Words on the value side of sensitive-looking assignments in one file."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return set()
    found: set[str] = set()
    names: set[str] = set()
    for line in lines:
        line = line.split("#", 1)[0]
        matches = list(_DICT_ITEM.finditer(line))
        m = _ASSIGN.search(line)
        if m:
            matches.append(m)
        for m in matches:
            names.add(m.group(1))
            if HIDDEN.search(m.group(1)):
                found |= set(_WORD.findall(m.group(2)))
    # Setting names (SECRET_KEY in `os.environ["SECRET_KEY"]`) are not secrets,
    # and masking them would make messages useless.
    return found - names


def _sensitive_values(name: str, value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _sensitive_values(f"{name}.{k}" if isinstance(k, str) else name, v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _sensitive_values(name, v)
    elif isinstance(value, str | bytes) and HIDDEN.search(name.rsplit(".", 1)[-1]):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        if len(text) >= 3:
            yield text
