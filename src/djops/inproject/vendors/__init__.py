"""One module per database vendor, each with the same interface:

- `purge(model, conn, args, stopped)`: clearsessions' batches;
- `NOW`: the database's clock in epoch seconds, and `lock(cur, digest)`:
  the claim's lock held while a run runs (djops.inproject.claim); `KEY`,
  the claim key's column type, and `BINARY`, a format that makes an
  expression compare exactly (case and all);
- `address(conn, host, port)`: where the server listens, for health's
  credential-free connect ({} when there is no server);
- `ENGINES` and `connect(settings_dict)`: the claim's connection with the
  driver alone, without setting Django up (djops.inproject.claimdb).

A new vendor is one module here (and its tests); root's side of it is
djops.health.dbaddress.SERVERS. A vendor Django has but djops does not
know is treated the portable way, as sqlite.
"""

from typing import Any

from . import mysql, postgresql, sqlite

VENDORS = {"sqlite": sqlite, "postgresql": postgresql, "mysql": mysql}


def of(conn: Any) -> Any:
    """The module of `conn`'s vendor (sqlite's portable way for any other)."""
    return VENDORS.get(conn.vendor, sqlite)


def by_engine(engine: str) -> Any:
    """The module of a settings ENGINE; None for one djops does not know
    (a third-party backend: the claim goes through Django then)."""
    return next((m for m in VENDORS.values() if engine in m.ENGINES), None)
