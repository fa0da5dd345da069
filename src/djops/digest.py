"""SHA-256 without OpenSSL where CPython has its own: hashlib's loads
libcrypto, ~2.5 ms of each unit's start (a job run's, a reload's) and 4 MB
held by a daemon. Same digests either way."""

from typing import Any


def sha256(data: bytes = b"") -> Any:
    try:
        from _sha256 import sha256 as own  # type: ignore[import-not-found]  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256 as own  # type: ignore[import-not-found,no-redef]  # 3.12 on
        except ImportError:
            from hashlib import sha256 as own  # type: ignore[assignment]
    return own(data)
