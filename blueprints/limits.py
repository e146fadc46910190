"""Keys of the per-number rate limits (log-in, API token, code entry, sign-up, reset).

Rules:
- A limit counts a number, not a spelling: the typed phone is normalised first
  (services.shared.phones), so ``+8613900000014``, ``139 0000 0014`` and ``139-0000-0014``
  share one bucket with ``13900000014``. Anything that is not a valid mobile number shares
  a single "not a number" bucket per client address (it can never log in anyway).
- A key never holds a phone number: the number is replaced by its keyed hash (the same
  ``lookup_hash`` the accounts table is searched by), so the limiter's log lines and its
  Redis keys carry no personal data.
"""

from flask import current_app, request, session

from core.crypto import lookup_hash
from services.shared.phones import normalise_phone

NOT_A_NUMBER = "not-a-number"


def login_limit() -> str:
    return current_app.config["LOGIN_LIMITS"]


def phone_bucket(typed) -> str:
    """The keyed hash of the number ``typed`` stands for, or the one bucket for non-numbers."""
    if not isinstance(typed, str):
        return NOT_A_NUMBER
    try:
        return lookup_hash(normalise_phone(typed))
    except (ValueError, UnicodeError):
        return NOT_A_NUMBER


def _address() -> str:
    return request.remote_addr or "unknown"


def form_phone_key() -> str:
    """Per client address and number, from the form's ``phone`` field."""
    return f"{_address()}|{phone_bucket(request.form.get('phone', ''))}"


def json_phone_key() -> str:
    """Per client address and number, from the JSON body's ``phone``."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # refused by the JSON depth check before the view runs
        body = None
    typed = body.get("phone") if isinstance(body, dict) else None
    return f"{_address()}|{phone_bucket(typed)}"


def session_phone_key(name: str):
    """Per client address and the number whose lookup hash the session holds under ``name``
    (already a keyed hash, put there by the page that asked for the code)."""

    def key() -> str:
        held = session.get(name)
        return f"{_address()}|{held if isinstance(held, str) and held else NOT_A_NUMBER}"

    return key
