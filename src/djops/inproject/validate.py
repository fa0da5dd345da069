"""Validate settings as the project user: import them, then `manage.py check`.

Run by djops-reload@P.service before anything touches the running site.
"""

import io
from typing import Any

from . import redact


def run(argv: list[str], redactor: redact.Redactor) -> tuple[dict[str, Any], int]:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    out = io.StringIO()
    try:
        call_command("check", stdout=out, stderr=out)
    except SystemCheckError as e:
        lines = [ln for ln in str(e).splitlines() if ln.strip() and ":" in ln]
        issues = "; ".join(ln.strip() for ln in lines if not ln.startswith("System"))
        return {"error": redactor.redact(f"manage.py check failed: {issues}")}, 1
    return {"checked": True}, 0
