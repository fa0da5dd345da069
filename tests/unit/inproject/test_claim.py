"""The claim in the project's python (the whole claim: tests/unit/jobs/test_claim.py)."""

import hashlib

from djops.inproject import claim


def test_the_lock_key_is_hashlibs_sha256():
    """Hosts of one fleet with different Pythons must take the same lock."""
    data = b"djops:demo:tick"
    assert claim.sha256(data) == hashlib.sha256(data).digest()


def test_purging_a_b_leaves_axb_whose_name_its_underscore_would_match(tmp_path):
    """`LIKE 'a_b:%'` also matches axb's rows (`_` is a wildcard): two
    projects on one database, the purge of one keeps the other's claims."""
    import sqlite3

    from djops.inproject import claimdb

    db = claimdb.Db("sqlite", sqlite3, sqlite3.connect(tmp_path / "db", isolation_level=None))
    for job in ("a_b:index", "axb:index", "axb:other", "a%b:index", "a!b:index"):
        assert claim.claim(db, job, "app1", 60.0)["run"] is True
    assert claim.drop(db, "a_b") == {"rows": 1, "dropped": False}
    assert claim.drop(db, "a%b") == {"rows": 1, "dropped": False}
    left = sorted(r[0] for r in db.execute("SELECT job FROM djops_claim").fetchall())
    assert left == ["a!b:index", "axb:index", "axb:other"]


def test_purging_shop_leaves_shop_with_a_capital(tmp_path):
    """SQLite's LIKE (and MariaDB's under its default collation) ignores
    case: the purge of `shop` took `Shop`'s claims. Project names may have
    capitals; the purge compares the prefix exactly."""
    import sqlite3

    from djops.inproject import claimdb

    db = claimdb.Db("sqlite", sqlite3, sqlite3.connect(tmp_path / "db", isolation_level=None))
    for job in ("shop:index", "Shop:index", "SHOP:other", "shop:other", "a_b:x", "axb:x"):
        assert claim.claim(db, job, "app1", 60.0)["run"] is True
    assert claim.drop(db, "shop") == {"rows": 2, "dropped": False}
    assert claim.drop(db, "a_b") == {"rows": 1, "dropped": False}
    left = sorted(r[0] for r in db.execute("SELECT job FROM djops_claim").fetchall())
    assert left == ["SHOP:other", "Shop:index", "axb:x"]


class Recorder:
    """A Db of one vendor that records the SQL it is given."""

    class driver:
        Error = IntegrityError = Exception

    def __init__(self, vendor: str) -> None:
        from djops.inproject import vendors

        self.vendor, self.module, self.sql = vendor, vendors.VENDORS[vendor], []
        self.rowcount = 1

    def execute(self, sql: str, params=()):
        self.sql.append((sql, list(params)))
        return self

    def fetchall(self):
        return []

    def fetchone(self):  # a lock taken, a count, a claim's row: each reads what it needs
        return (1, 1.0, None, None, 2.0)


def test_the_purge_and_the_claims_key_are_exact_on_every_vendor():
    """MariaDB compares (and keys) VARCHAR under the table's collation,
    case-insensitively by default: the key is utf8mb4_bin there, and the
    purge compares bytes, so `Shop` and `shop` never share a claim and one's
    purge never takes the other's (a table made before keeps its collation:
    the purge is exact on it all the same)."""
    for vendor in ("sqlite", "postgresql", "mysql"):
        db = Recorder(vendor)
        claim.drop(db, "Shop")  # type: ignore[arg-type]
        [(purge, params)] = [(s, p) for s, p in db.sql if s.startswith("DELETE")]
        assert "LIKE" not in purge and params == [5, "Shop:"], (vendor, purge)
        db = Recorder(vendor)
        claim.claim(db, "Shop:index", "app1", 60.0)  # type: ignore[arg-type]
        create = db.sql[0][0]
        assert create.startswith("CREATE TABLE IF NOT EXISTS djops_claim (job ")
        if vendor == "mysql":
            assert "CAST(substr(job, 1, %s) AS BINARY) = CAST(%s AS BINARY)" in purge
            assert (
                "job VARCHAR(190) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY" in create
            )
        else:
            assert "substr(job, 1, %s) = %s" in purge
            assert "job VARCHAR(190) PRIMARY KEY" in create
