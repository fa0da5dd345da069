"""What `djops check` needs to know about the settings, as the project user,
without ever handing over a settings value: booleans, counts, directories,
the session table's state, and `manage.py check --deploy` findings (redacted)."""

import os
from collections import Counter
from typing import Any

from . import redact, session_table

_SKIP_DIRS = {"venv", ".venv", "node_modules", "__pycache__", ".git", ".hg"}


def run(argv: list[str], redactor: redact.Redactor) -> tuple[dict[str, Any], int]:
    from django.conf import settings
    from django.core import checks

    code_dir = argv[0] if argv else os.getcwd()
    key = str(getattr(settings, "SECRET_KEY", "") or "")
    facts: dict[str, Any] = {
        "debug": bool(settings.DEBUG),
        "allowed_hosts": len(settings.ALLOWED_HOSTS),
        "secret_key": {
            "length": len(key),
            "distinct": len(Counter(key)),
            "in_code": _find(key, code_dir) if len(key) >= 8 else "",
        },
        "admins": len(settings.ADMINS),
        "managers": len(settings.MANAGERS),
        "server_email_localhost": _localhost(settings.SERVER_EMAIL),
        "default_from_localhost": _localhost(settings.DEFAULT_FROM_EMAIL),
        "recipient_domains": sorted(
            {_domain(a[1]) for a in list(settings.ADMINS) + list(settings.MANAGERS) if len(a) > 1}
        ),
        "mail_backends": _mail_backends(settings),
        "log_dirs": _log_dirs(settings),
        "cache_dirs": _cache_dirs(settings),
        "static_root": bool(getattr(settings, "STATIC_ROOT", None)),
        "sessions": session_table.facts(redactor),
        "deploy_check": [
            {"id": m.id or "", "level": _level(m.level), "msg": redactor.redact(str(m.msg))}
            for m in checks.run_checks(include_deployment_checks=True)
        ],
    }
    return facts, 0


def _localhost(address: str) -> bool:
    return _domain(address).lower() in ("localhost", "localhost.localdomain", "")


def _domain(address: str) -> str:
    return str(address).rsplit("@", 1)[-1].strip("> ") if "@" in str(address) else ""


def _mail_backends(settings: Any) -> list[dict[str, Any]]:
    """Every configured backend: Django 6.1's MAILERS, else EMAIL_BACKEND."""
    mailers = getattr(settings, "MAILERS", None)
    if isinstance(mailers, dict) and mailers:
        paths = [(name, str(m.get("BACKEND", ""))) for name, m in mailers.items()]
    else:
        paths = [("EMAIL_BACKEND", str(settings.EMAIL_BACKEND))]
    out = []
    for name, path in paths:
        out.append(
            {
                "name": name,
                "sendmail": "sendmail" in path.lower(),
                "console": any(w in path for w in ("console", "locmem", "dummy", "filebased")),
            }
        )
    return out


def _log_dirs(settings: Any) -> list[dict[str, Any]]:
    out = []
    handlers = (getattr(settings, "LOGGING", None) or {}).get("handlers", {})
    for name, h in handlers.items():
        filename = h.get("filename") if isinstance(h, dict) else None
        if filename:
            d = os.path.dirname(str(filename)) or "."
            out.append(
                {
                    "handler": name,
                    "dir": d,
                    "exists": os.path.isdir(d),
                    "writable": os.access(d, os.W_OK | os.X_OK),
                }
            )
    return out


def _cache_dirs(settings: Any) -> list[dict[str, Any]]:
    out = []
    for alias, c in (getattr(settings, "CACHES", None) or {}).items():
        if "filebased" in str(c.get("BACKEND", "")):
            d = str(c.get("LOCATION", ""))
            try:
                owned = os.stat(d).st_uid == os.geteuid()
            except OSError:
                owned = False
            out.append({"alias": alias, "dir": d, "exists": os.path.isdir(d), "owned": owned})
    return out


def _find(needle: str, top: str) -> str:
    """A file under `top` (source control) that contains the secret key."""
    data = needle.encode()
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in files:
            path = os.path.join(root, name)
            try:
                if os.path.getsize(path) > 2_000_000:
                    continue
                with open(path, "rb") as f:
                    if data in f.read():
                        return os.path.relpath(path, top)
            except OSError:
                continue
    return ""


def _level(level: int) -> str:
    return {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}.get(level, "INFO")
