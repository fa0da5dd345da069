"""Validate settings as the project user: import them, log in to the default
database, then `manage.py check --database default`.

Run by djops-reload@P.service before anything touches the running site: a
settings change with a wrong database password is refused here, while the
old gunicorn keeps serving with the old settings.
"""

import io
from typing import Any

from . import database, redact


def run(argv: list[str], redactor: redact.Redactor) -> tuple[dict[str, Any], int]:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.db import DEFAULT_DB_ALIAS, connections

    if (
        DEFAULT_DB_ALIAS in connections.settings
        and connections[DEFAULT_DB_ALIAS].vendor != "sqlite"
    ):
        problem = database.cannot_connect(connections[DEFAULT_DB_ALIAS], redactor)
        if problem:
            return {"error": problem}, 1
    out = io.StringIO()
    try:
        call_command("check", databases=[DEFAULT_DB_ALIAS], stdout=out, stderr=out)
    except SystemCheckError as e:
        lines = [ln for ln in str(e).splitlines() if ln.strip() and ":" in ln]
        issues = "; ".join(ln.strip() for ln in lines if not ln.startswith("System"))
        return {"error": redactor.redact(f"manage.py check failed: {issues}")}, 1
    return {"checked": True}, 0
