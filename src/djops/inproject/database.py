"""The session table's database: which connection, can we log in, where is it.

Only what is safe to print leaves: the vendor, the database and user names,
the host and port; never a password (the driver's message is redacted too,
in case a DSN with one in it is quoted back).
"""

from typing import Any

from . import vendors

LOGIN_REFUSED = ("authentication failed", "access denied", "password", "no pg_hba.conf entry")


def connection_for(model: Any) -> Any:
    from django.db import connections, router

    return connections[router.db_for_write(model)]


def where(conn: Any) -> str:
    """`vendor database "name" as user at host:port`, for a one-line report."""
    return where_of(conn.vendor, conn.settings_dict)


def where_of(vendor: str, s: dict[str, Any]) -> str:
    host = s.get("HOST") or ("local socket" if vendor != "sqlite" else "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    user = f" as {s['USER']}" if s.get("USER") else ""
    at = f" at {host}{port}" if host else ""
    return f'{vendor} database "{s.get("NAME")}"{user}{at}'


def cannot_connect(conn: Any, redactor: Any = None) -> str:
    """ "" when a connection opens; otherwise one line saying why not."""
    from django.db import Error

    try:
        conn.ensure_connection()
    except Error as e:
        return refused(conn.vendor, conn.settings_dict, e.__cause__ or e, redactor)
    return ""


def refused(vendor: str, s: dict[str, Any], e: BaseException, redactor: Any = None) -> str:
    """One line for a connection the driver (or Django) refused."""
    # the first line: libpq repeats itself once per address and SSL mode tried
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    detail = " ".join((lines or [type(e).__name__])[0].split())
    if redactor is not None:
        detail = redactor.redact(detail)
    if vendor == "sqlite":
        verdict = "cannot be opened"
    elif any(w in detail.lower() for w in LOGIN_REFUSED):
        verdict = "refused the login"
    else:
        verdict = "cannot be reached"
    return f"the {where_of(vendor, s)} {verdict}: {detail[:300]}"


def address(conn: Any) -> dict[str, Any]:
    """Where the server listens, for djops-health's credential-free connect:
    {"vendor", "unix": path} or {"vendor", "host", "port"}; {} for SQLite."""
    s = conn.settings_dict
    host = str(s.get("HOST") or "").split(",")[0].strip()
    port = str(s.get("PORT") or "").split(",")[0].strip()
    return vendors.of(conn).address(conn, host, port)
