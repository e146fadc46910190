"""Encryption at rest for sensitive fields (Fernet, with key rotation).

The key list comes from the ``DATA_KEY`` setting: comma-separated Fernet keys, the first
encrypts, all decrypt (``MultiFernet``), so a key is rotated by putting a new one first
and re-encrypting (``flask --app app keys rotate``).
"""

import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet

_cipher: MultiFernet | None = None
_lookup_key: bytes | None = None


def configure(keys: str, lookup_key: str) -> None:
    """Install the key list and the lookup key (called once by create_app)."""
    global _cipher, _lookup_key
    _cipher = MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])
    _lookup_key = lookup_key.encode()


def lookup_hash(text: str) -> str:
    """A keyed hash to find or compare an encrypted value (HMAC-SHA256 with LOOKUP_KEY).

    Encryption is randomised, so equal phone numbers encrypt differently; the keyed hash
    makes log-in, uniqueness and opt-out checks possible without storing the number.
    """
    if _lookup_key is None:
        raise RuntimeError("encryption keys are not configured")
    if not text:
        return ""
    return hmac.new(_lookup_key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def same_secret(expected: str, given) -> bool:
    """Compare a secret in constant time, whatever the caller sent (any text, or none):
    both sides are compared as UTF-8 bytes, so non-ASCII input is a mismatch, not an
    error."""
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"),
                               given.encode("utf-8", "surrogatepass"))


def _get() -> MultiFernet:
    if _cipher is None:
        raise RuntimeError("encryption keys are not configured")
    return _cipher


def encrypt(text: str) -> str:
    return _get().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _get().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token under the current (first) key."""
    return _get().rotate(token.encode()).decode()


def generate_key() -> str:
    return Fernet.generate_key().decode()
