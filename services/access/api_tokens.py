"""Personal API tokens: created once and shown once, stored as a SHA-256 hash.

A token is 32 random bytes (URL-safe), so a plain hash is enough to store it safely;
it acts as its user, with the same role and the same scope, until it expires or is
revoked. A password change or reset, a suspension (any disabling of the account) and a
reinstatement revoke every token of the user, so none outlives the event; every user
can list and revoke their own tokens (an admin anyone's).
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.clock import now
from core.errors import DomainError
from models import ApiToken, User

log = logging.getLogger(__name__)
PREFIX = "qs_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str, days: int = 90) -> tuple[str, ApiToken]:
    """Create a token; return (the token, its record). The token cannot be shown again."""
    if not (name or "").strip():
        raise DomainError("Give the token a name.")
    if not 1 <= days <= 365:
        raise DomainError("Must be between %(low)s and %(high)s.", low=1, high=365)
    token = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=name.strip()[:64], token_hash=_digest(token),
                      prefix=token[:10], expires_at=now() + timedelta(days=days))
    session.add(record)
    session.flush()
    log.info("api token %s created for user %s", record.id, user.id)
    return token, record


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to, else None."""
    if not token or not token.startswith(PREFIX):
        return None
    record = session.execute(select(ApiToken).where(
        ApiToken.token_hash == _digest(token))).scalar_one_or_none()
    if record is None or record.revoked_at is not None or record.expires_at <= now():
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.active:
        return None
    record.last_used_at = now()
    return user


def revoke(session: Session, user: User, token_id: int) -> None:
    record = session.get(ApiToken, token_id)
    if record is None or (record.user_id != user.id and user.role != "admin"):
        raise DomainError("No such token.")
    record.revoked_at = record.revoked_at or now()
    session.flush()
    log.info("api token %s revoked by user %s", token_id, user.id)


def revoke_all(session: Session, user: User) -> int:
    """Revoke every live token of ``user``; returns how many."""
    revoked = session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now()).execution_options(synchronize_session=False)).rowcount
    log.info("%s api tokens of user %s revoked", revoked, user.id)
    return revoked


def own_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too)."""
    return list(session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id.desc())).scalars())
