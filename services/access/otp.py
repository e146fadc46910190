"""One-time codes by SMS: proving a phone number at sign-up and for a password reset.

Rules:
- A code is 6 random digits (``secrets.randbelow``), valid for 10 minutes, used at most
  once, and dead after 5 wrong tries; only the newest code of a number and purpose
  counts. Only a keyed hash of it is stored (``lookup_hash``), compared with
  ``hmac.compare_digest``. The database refuses a sixth try (CHECK on ``tries``).
- Per number: at most 1 code a minute and 10 a day (both purposes together). Per client
  address: at most ``Limits.per_address_per_hour``. Counted from ``phone_codes``, so the
  limits hold across processes and restarts; a unique key per (number, minute) stops
  two requests at once from both getting a code.
- The SMS goes to the outbox under the key ``otp:<id>`` and is not held for quiet hours
  (the person is waiting for it). The code is a template parameter, the one secret in
  the outbox: the sender blanks it once the message has left the queue.
- A reset for a number without an account, and a sign-up code asked for a number
  without a sign-up waiting, answer exactly as for one with (a row is written, nothing
  is sent), so the page cannot tell who has an account; entering a code for such a
  number is refused like a wrong code.
- Codes older than two days are deleted by the daily retention task.
- A volunteer account made by sign-up is inactive until its phone is verified; a
  correct reset code verifies the phone too.
"""

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import now
from core.crypto import lookup_hash
from core.errors import DomainError
from models import PhoneCode, User, Volunteer
from models.otp import CODE_PURPOSES, MAX_TRIES
from services.access import accounts
from services.shared.phones import normalise_phone
from services.shared.taxonomy import N_
from services.shared.validation import Invalid, Problem
from services.sms import outbox

log = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
PER_NUMBER_GAP = timedelta(minutes=1)
PER_NUMBER_PER_DAY = 10
TEMPLATE = "verification_code"
#: Codes are kept this long (the daily limit looks back one day), then deleted.
KEEP_FOR = timedelta(days=2)


@dataclass(frozen=True)
class Limits:
    """The limit that depends on the deployment (config ``OTP_CODES_PER_ADDRESS_HOUR``)."""
    per_address_per_hour: int = 20


class TooManyCodes(DomainError):
    """A rate limit refused a new code; ``retry_after`` is in whole seconds."""
    def __init__(self, message: str, retry_after: int, **params):
        super().__init__(message, **params)
        self.retry_after = max(1, retry_after)


class CodeRejected(DomainError):
    """A wrong, expired, used-up or missing code. A wrong try is counted: the caller must
    commit before answering, or the try would be rolled back."""


def phone_hash_of(phone: str) -> str:
    """The lookup hash of a typed number; raises Invalid (field ``phone``) when bad."""
    try:
        return lookup_hash(normalise_phone(phone))
    except ValueError:
        raise Invalid([Problem("phone", "%(value)s is not a valid mainland mobile number.",
                               {"value": phone})]) from None


def client_hash_of(address: str | None) -> str:
    return lookup_hash(f"client:{address or 'unknown'}")


def _code_hash(phone_hash: str, purpose: str, code: str) -> str:
    return lookup_hash(f"otp:{phone_hash}:{purpose}:{code}")


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds() + 0.999)


def _check_limits(session: Session, phone_hash: str, client_hash: str, moment: datetime,
                  limits: Limits) -> None:
    recent = session.execute(
        select(PhoneCode.created_at).where(PhoneCode.phone_hash == phone_hash,
                                           PhoneCode.created_at > moment - timedelta(days=1))
        .order_by(PhoneCode.created_at)).scalars().all()
    if recent and recent[-1] > moment - PER_NUMBER_GAP:
        raise TooManyCodes(N_("A code was sent to this number less than a minute ago; "
                              "wait a moment before asking again."),
                           _seconds(recent[-1] + PER_NUMBER_GAP - moment))
    if len(recent) >= PER_NUMBER_PER_DAY:
        raise TooManyCodes(N_("This number has had %(n)s codes today; try again tomorrow."),
                           _seconds(recent[-PER_NUMBER_PER_DAY] + timedelta(days=1) - moment),
                           n=PER_NUMBER_PER_DAY)
    from_address = session.execute(
        select(func.min(PhoneCode.created_at), func.count()).where(
            PhoneCode.client_hash == client_hash,
            PhoneCode.created_at > moment - timedelta(hours=1))).one()
    if from_address[1] >= limits.per_address_per_hour:
        raise TooManyCodes(N_("Too many codes were asked for from your network; "
                              "try again in an hour."),
                           _seconds(from_address[0] + timedelta(hours=1) - moment))


def issue(session: Session, phone: str | None, purpose: str, client: str | None,
          limits: Limits = Limits(), *, user: User | None = None,
          send: bool = True, phone_hash: str | None = None) -> PhoneCode:
    """Write a new code for ``phone`` (E.164) and queue its SMS; raises TooManyCodes.

    With ``send=False`` the row alone is written (the limits count it, nothing is sent);
    then ``phone_hash`` may stand in for the number."""
    if purpose not in CODE_PURPOSES:
        raise ValueError(purpose)
    moment = now()
    phone_hash, client_hash = phone_hash or lookup_hash(phone), client_hash_of(client)
    _check_limits(session, phone_hash, client_hash, moment, limits)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = PhoneCode(phone_hash=phone_hash, purpose=purpose,
                    code_hash=_code_hash(phone_hash, purpose, code), client_hash=client_hash,
                    user_id=user.id if user else None, tries=0,
                    issued_minute=int(moment.timestamp()) // 60, created_at=moment,
                    expires_at=moment + CODE_TTL)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another request got this number's code for this minute
        raise TooManyCodes(N_("A code was sent to this number less than a minute ago; "
                              "wait a moment before asking again."), 60) from None
    if send:
        outbox.queue(session, [outbox.message_row(
            f"otp:{row.id}", TEMPLATE, "otp", "user", phone,
            params={"code": code}, not_before=moment)])
    log.info("one-time code %s issued (%s, sent: %s)", row.id, purpose, send)
    return row


def purge(session: Session, moment: datetime) -> int:
    """Delete codes older than the longest limit needs (two days); returns how many."""
    deleted = session.execute(delete(PhoneCode).where(
        PhoneCode.created_at < moment - KEEP_FOR).execution_options(
        synchronize_session=False)).rowcount
    log.info("%s old one-time codes deleted", deleted)
    return deleted


def _use_code(session: Session, phone_hash: str, purpose: str, code: str) -> PhoneCode:
    """Spend a try on the newest code; mark it used when it is right."""
    moment = now()
    row = session.execute(
        select(PhoneCode).where(PhoneCode.phone_hash == phone_hash,
                                PhoneCode.purpose == purpose)
        .order_by(PhoneCode.id.desc()).limit(1).with_for_update()).scalar_one_or_none()
    if row is None or row.used_at is not None:
        raise CodeRejected(N_("No code is waiting for this number; ask for a new one."))
    if row.expires_at <= moment:
        raise CodeRejected(N_("The code has expired; ask for a new one."))
    # One conditional UPDATE: two tries at once can never spend more than MAX_TRIES.
    counted = session.execute(
        update(PhoneCode).where(PhoneCode.id == row.id, PhoneCode.tries < MAX_TRIES,
                                PhoneCode.used_at.is_(None))
        .values(tries=PhoneCode.tries + 1).returning(PhoneCode.tries)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    if counted is None:
        raise CodeRejected(N_("Too many wrong codes; ask for a new one."))
    typed = (code or "").strip()
    if not hmac.compare_digest(row.code_hash, _code_hash(phone_hash, purpose, typed)):
        left = MAX_TRIES - counted
        if left == 0:
            raise CodeRejected(N_("Too many wrong codes; ask for a new one."))
        raise CodeRejected(N_("The code is not right; %(n)s tries left."), n=left)
    used = session.execute(
        update(PhoneCode).where(PhoneCode.id == row.id, PhoneCode.used_at.is_(None))
        .values(used_at=moment).execution_options(synchronize_session=False)).rowcount
    if used != 1:
        raise CodeRejected(N_("No code is waiting for this number; ask for a new one."))
    return row


def _user_by_phone_hash(session: Session, phone_hash: str) -> User | None:
    return session.execute(select(User).where(User.phone_hash == phone_hash)
                           ).scalar_one_or_none()


def mark_verified(session: Session, user: User) -> None:
    """The owner proved the number: the account becomes active unless it is suspended."""
    if user.phone_verified_at is not None:
        return
    user.phone_verified_at = now()
    status = session.execute(select(Volunteer.status).where(Volunteer.user_id == user.id)
                             ).scalar_one_or_none()
    user.active = status != "suspended"
    session.flush()
    log.info("user %s verified their phone", user.id)


def resend_signup_code(session: Session, phone_hash: str, client: str | None,
                       limits: Limits = Limits()) -> PhoneCode:
    """A new code for a sign-up not yet verified. Any other number gets the same answer
    (a row the limits count, nothing sent), so the answer does not tell who signed up."""
    user = _user_by_phone_hash(session, phone_hash)
    if user is None or user.phone_verified_at is not None:
        return issue(session, None, "signup", client, limits, send=False,
                     phone_hash=phone_hash)
    return issue(session, user.phone, "signup", client, limits, user=user)


def confirm_signup(session: Session, phone_hash: str, code: str) -> User:
    """A right sign-up code activates the account it was sent for.

    Every number is answered the same way: the try is counted against the newest sign-up
    code first, and a number without a waiting sign-up can only ever get a refusal."""
    row = _use_code(session, phone_hash, "signup", code)
    user = _user_by_phone_hash(session, phone_hash)
    if user is None or user.phone_verified_at is not None or row.user_id != user.id:
        raise CodeRejected(N_("No code is waiting for this number; ask for a new one."))
    mark_verified(session, user)
    return user


def request_reset(session: Session, phone: str, client: str | None,
                  limits: Limits = Limits()) -> str:
    """Send a reset code when the number has an account; the same answer either way.

    Returns the number's lookup hash, which the next step needs."""
    phone_hash = phone_hash_of(phone)
    user = _user_by_phone_hash(session, phone_hash)
    issue(session, normalise_phone(phone), "reset", client, limits, user=user,
          send=user is not None)
    return phone_hash


def reset_password(session: Session, phone_hash: str, code: str, password: str) -> User:
    """A right reset code sets a new password, ends every session and API token of the
    account, and verifies its phone."""
    accounts.check_new_password(password)
    _use_code(session, phone_hash, "reset", code)
    user = _user_by_phone_hash(session, phone_hash)
    if user is None:  # no code is ever sent for such a number, so this is unreachable
        raise CodeRejected(N_("No code is waiting for this number; ask for a new one."))
    user.password_hash = accounts.hash_password(password)
    accounts.end_access(session, user)
    mark_verified(session, user)
    session.flush()
    log.info("user %s reset their password by code", user.id)
    return user
