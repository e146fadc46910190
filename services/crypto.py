"""Encryption at rest for sensitive fields (Fernet, with key rotation).

The key list comes from the ``DATA_KEY`` setting: comma-separated Fernet keys, the first
encrypts, all decrypt (``MultiFernet``), so a key is rotated by putting a new one first
and re-encrypting (``flask --app app keys rotate``).
"""

from cryptography.fernet import Fernet, MultiFernet

_cipher: MultiFernet | None = None


def configure(keys: str) -> None:
    """Install the key list (called once by create_app)."""
    global _cipher
    _cipher = MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


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
