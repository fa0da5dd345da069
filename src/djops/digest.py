"""SHA-256 without OpenSSL where CPython has its own: hashlib's loads
libcrypto, ~2.5 ms of each unit's start (a job run's, a reload's) and 4 MB
held by a daemon. Same digests either way."""

try:
    from _sha256 import sha256  # type: ignore[import-not-found]  # CPython 3.11
except ImportError:
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,no-redef]  # 3.12 on
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment,no-redef]

__all__ = ["sha256"]
