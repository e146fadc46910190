"""Accounts: creating users, checking passwords, ending sessions, coordinator regions."""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from core.clock import now
from core.crypto import lookup_hash
from core.errors import DomainError
from models import CoordinatorRegion, User
from services.access import api_tokens
from services.regions import region_tree
from services.shared.phones import normalise_phone

log = logging.getLogger(__name__)

#: Hash method for new passwords; tests lower the cost through the app config.
HASH_METHOD = {"value": "scrypt"}
MIN_PASSWORD_LENGTH = 8
#: Per hash method, a hash compared against when the phone is unknown (or has no
#: password), so every failure costs one check with the method real passwords use.
_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD["value"])


def dummy_hash() -> str:
    """A hash made with today's method, for checks that must cost what a real one does."""
    method = HASH_METHOD["value"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-password", method=method)
    return _DUMMY_HASHES[method]


def check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError("The password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)


def create_user(session: Session, *, role: str, name: str, phone: str, password: str | None,
                regions=(), phone_verified: bool = True) -> User:
    """Create an account; coordinators get the regions they cover.

    Accounts made by staff count as verified; a public sign-up passes
    ``phone_verified=False`` and stays inactive until its owner enters the code that was
    sent to the number (services.access.otp)."""
    if role not in ("admin", "coordinator", "volunteer"):
        raise DomainError("Unknown role %(role)s.", role=role)
    if not (name or "").strip():
        raise DomainError("A name is required.")
    try:
        phone = normalise_phone(phone)
    except ValueError:
        raise DomainError("%(value)s is not a valid mainland mobile number.", value=phone) from None
    if session.execute(select(User.id).where(User.phone_hash == lookup_hash(phone))).first():
        raise DomainError("An account with this phone number already exists.")
    if password is not None:
        check_new_password(password)
    user = User(name=name.strip(), phone=phone, role=role,
                password_hash=hash_password(password) if password else None,
                active=phone_verified, phone_verified_at=now() if phone_verified else None)
    session.add(user)
    if regions:
        set_regions(session, user, regions)
    session.flush()
    log.info("user %s created with role %s", user.id, role)
    return user


def set_regions(session: Session, user: User, codes) -> None:
    """Replace the regions a coordinator covers."""
    if user.role != "coordinator":
        raise DomainError("Only coordinators cover regions.")
    tree = region_tree(session)
    codes = sorted(set(codes))
    unknown = [c for c in codes if tree.get(c) is None]
    if unknown:
        raise DomainError("Unknown region code %(value)s.", value=", ".join(unknown))
    user.regions = [CoordinatorRegion(region_code=c) for c in codes]


def password_owner(session: Session, phone: str, password: str) -> User | None:
    """The user (active or not) with this phone and password, else None.

    Exactly one password check either way, with the method real hashes use (a dummy hash
    when the number is unknown), so the time taken does not tell who has an account."""
    try:
        phone = normalise_phone(phone)
    except ValueError:
        phone = None
    user = session.execute(select(User).where(User.phone_hash == lookup_hash(phone))
                           ).scalar_one_or_none() if phone else None
    if user is None or not user.password_hash:
        check_password_hash(dummy_hash(), password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def authenticate(session: Session, phone: str, password: str) -> User | None:
    """The active user with this phone and password, else None (one answer for both faults)."""
    user = password_owner(session, phone, password)
    return user if user is not None and user.active else None


def change_password(session: Session, user: User, old: str, new: str) -> None:
    """Change a password; every other session and every API token of the user ends."""
    if not user.password_hash or not check_password_hash(user.password_hash, old or ""):
        raise DomainError("The current password is not right.")
    check_new_password(new)
    user.password_hash = hash_password(new)
    end_access(session, user)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions and tokens at once. An
    account whose phone is not verified stays inactive (the database refuses it too)."""
    user.active = active and user.phone_verified_at is not None
    if not active:
        end_access(session, user)
    session.flush()


def end_access(session: Session, user: User) -> None:
    """End every session and revoke every API token of ``user`` (password changed,
    account suspended or reinstated)."""
    user.end_sessions()
    api_tokens.revoke_all(session, user)
