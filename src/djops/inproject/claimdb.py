"""The claim's connection, without a second Django: the settings module is
imported (no django.setup(): no apps, no models, a few MB) and its
DATABASES entry handed to the vendor's driver as Django's backend would
(djops.inproject.vendors.<vendor>.connect). A claim is then decided in the
time a python starts and the driver connects, and held in the memory of a
python and a driver. An ENGINE djops does not know (a third-party backend)
goes through Django as before.
"""

import importlib
import os
from typing import Any

from . import database, vendors

ALIAS = "djops"  # a DATABASES entry of its own: a direct connection past PgBouncer
DEFAULT = "default"
SECRET_WORDS = ("pass", "secret", "key", "token")  # OPTIONS keys whose values are masked


class Db:
    """A DB-API connection in autocommit; `%s` placeholders on every driver."""

    def __init__(self, vendor: str, driver: Any, raw: Any) -> None:
        self.vendor, self.driver, self.raw = vendor, driver, raw
        self.module = vendors.VENDORS.get(vendor, vendors.sqlite)
        self.qmark = getattr(driver, "paramstyle", "format") == "qmark"
        self._cur = raw.cursor()

    def execute(self, sql: str, params: Any = ()) -> Any:
        self._cur.execute(sql.replace("%s", "?") if self.qmark else sql, params)
        return self._cur

    def fetchone(self) -> Any:  # a vendor's lock() takes this for its cursor
        return self._cur.fetchone()

    def close(self) -> None:
        self.raw.close()


def entry(databases: dict[str, Any]) -> dict[str, Any]:
    """DATABASES["djops"] when there is one, else the default."""
    s = databases.get(ALIAS) or databases.get(DEFAULT)
    if not isinstance(s, dict):
        raise ValueError(f'the settings have no DATABASES["{DEFAULT}"]')
    return s


def open_db(redactor: Any) -> tuple[Db | None, str]:
    """(the claim's connection, "") or (None, why it did not open)."""
    settings = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    s = entry(getattr(settings, "DATABASES", {}) or {})
    options = s.get("OPTIONS") or {}
    redactor.add([s.get("PASSWORD") or ""])
    redactor.add(str(v) for k, v in options.items() if any(w in k.lower() for w in SECRET_WORDS))
    module = vendors.by_engine(str(s.get("ENGINE") or ""))
    if module is None:
        return _through_django(redactor)
    vendor = next(n for n, m in vendors.VENDORS.items() if m is module)
    try:
        driver, raw = module.connect(s)
    except ImportError as e:
        return None, f"the {vendor} driver cannot be imported: {redactor.redact(str(e))}"
    except Exception as e:  # the driver's own Error (its classes differ by driver)
        return None, database.refused(vendor, s, e, redactor)
    return Db(vendor, driver, raw), ""


def _through_django(redactor: Any) -> tuple[Db | None, str]:
    import django

    django.setup()
    from django.db import connections

    conn = connections[ALIAS if ALIAS in connections.settings else DEFAULT]
    problem = database.cannot_connect(conn, redactor)
    if problem:
        return None, problem
    conn.set_autocommit(True)
    return Db(conn.vendor, conn.Database, conn.connection), ""
