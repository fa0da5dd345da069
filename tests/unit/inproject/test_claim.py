"""The claim in the project's python (the whole claim: tests/unit/jobs/test_claim.py)."""

import hashlib

from djops.inproject import claim


def test_the_lock_key_is_hashlibs_sha256():
    """Hosts of one fleet with different Pythons must take the same lock."""
    data = b"djops:demo:tick"
    assert claim.sha256(data) == hashlib.sha256(data).digest()
