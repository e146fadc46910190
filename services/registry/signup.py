"""The public volunteer sign-up, which never tells who already has an account.

Rules (NIST SP 800-63B, OWASP ASVS V2/V3):
- The form is checked first, and its problems never depend on whether the number is known.
- A new number gets a pending volunteer, an inactive account and a sign-up code.
- A number that already has an account (any role, verified or not) or is on a county's
  volunteer ledger gets the same answer on the page and in the API: a sign-up code row is
  written (so the code limits and the code page behave the same), the password is hashed
  and thrown away (so it costs the same), and the SMS tells the owner what to do instead
  (log in or reset the password; ask the coordinator) without any code.
"""

import logging

from sqlalchemy.orm import Session

from core.clock import now
from models import User
from services.access import accounts, otp
from services.regions import RegionTree
from services.registry import volunteers
from services.sms import outbox

log = logging.getLogger(__name__)

#: The SMS the owner of a known number gets instead of a code.
TAKEN_TEMPLATES = {"account": "signup_has_account", "ledger": "signup_on_ledger"}


def start(session: Session, raw: dict, tree: RegionTree, client: str | None,
          limits: otp.Limits | None = None) -> str:
    """Sign a volunteer up (inactive) and send the code that activates the account; a known
    number is answered alike. Returns the number's lookup hash (the code page needs it)."""
    limits = limits or otp.Limits()
    clean = volunteers.clean_signup(raw, tree)
    taken = volunteers.phone_taken(session, clean["phone"])
    if taken is None:
        volunteer = volunteers.add_signup(session, raw, clean)
        otp.issue(session, volunteer.phone, "signup", client, limits,
                  user=session.get(User, volunteer.user_id))
        return volunteer.phone_hash
    accounts.hash_password(raw.get("password") or "")  # the cost of a real sign-up
    row = otp.issue(session, clean["phone"], "signup", client, limits, send=False)
    outbox.queue(session, [outbox.message_row(
        f"signup-taken:{row.id}", TAKEN_TEMPLATES[taken], "signup", "user", clean["phone"],
        not_before=now())])
    log.info("sign-up for a number already known (%s): owner told by SMS", taken)
    return row.phone_hash
