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
