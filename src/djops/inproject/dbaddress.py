"""Where the default database's server listens (no connection, no credentials)."""

from typing import Any

from . import database


def run(argv: list[str], redactor: Any = None) -> tuple[dict[str, Any], int]:
    from django.db import DEFAULT_DB_ALIAS, connections

    conn = connections[DEFAULT_DB_ALIAS]
    return {"vendor": conn.vendor, **database.address(conn)}, 0
