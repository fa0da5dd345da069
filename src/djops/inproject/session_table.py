"""What `djops check` says about the session table: can the project user log
in, is there an index on expire_date (without one every clearsessions run
reads the whole table), on PostgreSQL its size and dead-row share, on SQLite
its journal mode."""

import os
from importlib import import_module
from typing import Any

from . import database
from .vendors import sqlite


def facts(redactor: Any) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore as DbStore

    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, DbStore):
        return {"database": None, "engine": settings.SESSION_ENGINE}
    model = store.get_model_class()
    conn = database.connection_for(model)
    table = model._meta.db_table
    out: dict[str, Any] = {"database": conn.vendor, "where": database.where(conn), "table": table}
    name = str(conn.settings_dict.get("NAME") or "")
    if conn.vendor == "sqlite" and name != ":memory:" and not os.path.exists(name):
        out["connect_error"] = f"the sqlite database file {name} does not exist"
        return out
    problem = database.cannot_connect(conn, redactor)
    if problem:
        out["connect_error"] = problem
        return out
    with conn.cursor() as cur:
        if table not in conn.introspection.table_names(cur):
            out["missing"] = True
            return out
        indexes = conn.introspection.get_constraints(cur, table).values()
        out["index"] = any(
            c.get("index") and (c.get("columns") or [None])[0] == "expire_date" for c in indexes
        )
        if conn.vendor == "postgresql":
            out.update(_pg_size(cur, table))
        if conn.vendor == "sqlite":
            out["journal_mode"] = sqlite.journal_mode(cur)
    return out


def _pg_size(cur: Any, table: str) -> dict[str, Any]:
    cur.execute(
        "SELECT pg_total_relation_size(c.oid), coalesce(s.n_live_tup, 0), "
        "coalesce(s.n_dead_tup, 0) FROM pg_class c "
        "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
        [table],
    )
    row = cur.fetchone()
    if not row:
        return {}
    size, live, dead = (int(x) for x in row)
    return {"size_bytes": size, "live_rows": live, "dead_rows": dead}
