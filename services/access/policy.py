"""Who may do what to which record: the one place the access rules live.

Two layers:
- role × action: :data:`PERMISSIONS` lists the actions each role may take at all;
- object scope: a coordinator reaches only records in the counties under the regions
  they cover (a city or province covers every county below it); a volunteer reaches
  only their own profile; an admin reaches everything.

Every query for children or volunteers goes through :func:`scoped`; a record outside
the scope is reported as not found (404), never as forbidden, so its existence leaks
nothing.
"""

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from core.errors import DomainError, NotFound
from models import (
    Application,
    Child,
    ChildDuplicate,
    ContactLog,
    ImportJob,
    MatchRun,
    OutboxMessage,
    Pair,
    Proposal,
    User,
    Volunteer,
    WelfareContact,
)
from services.regions import region_tree

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({
        "child.view", "child.create", "child.edit", "child.import", "child.reveal",
        "audit.view",
        "duplicate.review",
        "volunteer.view", "volunteer.vet", "volunteer.import", "volunteer.import_vetted",
        "match.run", "match.review", "pair.view", "pair.end", "followup.view",
        "concern.act", "sms.view", "sms.opt_out", "settings.manage", "users.manage",
        "api.tokens", "welfare_contact.manage", "feedback.view", "feedback.record",
        "dashboard.view", "ledger.export", "import.view", "token.own", "service.confirm",
    }),
    "coordinator": frozenset({
        "child.view", "child.create", "child.edit", "child.import", "child.reveal",
        "audit.view",
        "duplicate.review",
        "volunteer.view", "volunteer.vet", "volunteer.import", "volunteer.import_vetted",
        "match.run", "match.review", "pair.view", "pair.end", "followup.view",
        "concern.act", "sms.view", "sms.opt_out", "api.tokens", "welfare_contact.manage",
        "feedback.view", "feedback.record", "dashboard.view", "ledger.export", "import.view",
        "token.own", "service.confirm", "application.review",
    }),
    "volunteer": frozenset({"volunteer.view_own", "pair.view_own", "contact.log",
                            "feedback.give", "token.own"}),
}

_SCOPED_MODELS = (Child, Volunteer, Application)


class Forbidden(DomainError):
    """The role may not take this action at all (shown as 403)."""

    def __init__(self, message: str = "You do not have permission to do that."):
        super().__init__(message)


def allowed(user: User | None, action: str) -> bool:
    """Whether the user's role may take ``action`` at all."""
    return user is not None and user.active and action in PERMISSIONS.get(user.role, ())


def require(user: User | None, action: str) -> None:
    if not allowed(user, action):
        raise Forbidden()


def county_scope(session: Session, user: User) -> set[str] | None:
    """The leaf region codes the user covers; None means every region (admin)."""
    if user.role == "admin":
        return None
    if user.role == "coordinator":
        return region_tree(session).leaves_under(user.region_codes)
    return set()


def scoped(session: Session, user: User, model, stmt: Select | None = None) -> Select:
    """Restrict a select of children, volunteers or applications to what ``user`` may
    reach. A family's application (自主申报) is reached only by the coordinators of its
    county: not even an administrator reads what the family typed."""
    if model not in _SCOPED_MODELS:
        raise TypeError(f"{model.__name__} is not a scoped model")
    stmt = select(model) if stmt is None else stmt
    if user.role == "volunteer":
        if model is Volunteer:
            return stmt.where(Volunteer.user_id == user.id)
        return stmt.where(false())
    if model is Application and user.role != "coordinator":
        return stmt.where(false())
    counties = county_scope(session, user)
    if counties is None:
        return stmt
    return stmt.where(model.region_code.in_(sorted(counties)))


def get_scoped(session: Session, user: User, model, record_id: int):
    """Load one child or volunteer the user may reach, else raise NotFound."""
    record = session.execute(
        scoped(session, user, model).where(model.id == record_id)
    ).scalar_one_or_none()
    if record is None:
        raise NotFound()
    return record


def covers_region(session: Session, user: User, region_code: str) -> bool:
    """Whether a new record in ``region_code`` would be inside the user's scope."""
    counties = county_scope(session, user)
    return counties is None or region_code in counties


def scoped_pairs(session: Session, user: User, stmt: Select | None = None) -> Select:
    """Pairs the user may reach, joined to their child: by the child's county; a volunteer
    sees only their own."""
    stmt = select(Pair) if stmt is None else stmt
    if user.role == "volunteer":
        own = select(Volunteer.id).where(Volunteer.user_id == user.id)
        return stmt.where(Pair.volunteer_id.in_(own))
    stmt = stmt.join(Child, Child.id == Pair.child_id)
    counties = county_scope(session, user)
    if counties is None:
        return stmt
    return stmt.where(Child.region_code.in_(sorted(counties)))


def scoped_contacts(session: Session, user: User, stmt: Select) -> Select:
    """Contacts logged in the user's counties (by the child's county when logged); a
    volunteer covers no county, so reaches none here (their own pages read their pairs'
    contacts by pair)."""
    counties = county_scope(session, user)
    if counties is None:
        return stmt
    return stmt.where(ContactLog.region_code.in_(sorted(counties)))


def scoped_by_child(session: Session, user: User, model, stmt: Select | None = None) -> Select:
    """Records tied to a child (proposals, concerns, outbox messages) in the user's counties."""
    stmt = select(model) if stmt is None else stmt
    counties = county_scope(session, user)
    if counties is None:
        return stmt
    return stmt.join(Child, Child.id == model.child_id).where(
        Child.region_code.in_(sorted(counties)))


def scoped_township_contacts(session: Session, user: User, stmt: Select) -> Select:
    """Township welfare contacts in the user's counties (a child's own contact is reached
    through the child)."""
    stmt = stmt.where(WelfareContact.region_code.is_not(None))
    counties = county_scope(session, user)
    if counties is None:
        return stmt
    return stmt.where(WelfareContact.region_code.in_(sorted(counties)))


def own_messages(user: User, stmt: Select | None = None) -> Select:
    """The SMS addressed to the user's own account as a volunteer (their reminders and
    notices); nothing for anyone else, whatever their role."""
    stmt = select(OutboxMessage) if stmt is None else stmt
    if user.role != "volunteer":
        return stmt.where(false())
    return stmt.where(OutboxMessage.recipient_user_id == user.id,
                      OutboxMessage.audience == "volunteer")


def scoped_proposals(session: Session, user: User, stmt: Select | None = None) -> Select:
    """Proposals whose child is in the user's counties."""
    return scoped_by_child(session, user, Proposal, stmt)


def run_visible(session: Session, user: User, run: MatchRun) -> bool:
    """A run is visible to whoever covers some of its region."""
    counties = county_scope(session, user)
    if counties is None:
        return True
    return bool(counties & region_tree(session).leaves_under([run.region_code]))


def import_visible(user: User, job: ImportJob) -> bool:
    """An import is visible to the user who started it (while they may still import that
    ledger) and to administrators."""
    action = "child.import" if job.kind == "children" else "volunteer.import"
    return allowed(user, action) and (user.role == "admin" or job.actor_id == user.id)


def scoped_duplicates(session: Session, user: User, stmt: Select | None = None) -> Select:
    """Possible duplicate pairs with at least one child in the user's counties."""
    stmt = select(ChildDuplicate) if stmt is None else stmt
    counties = county_scope(session, user)
    if counties is None:
        return stmt
    reachable = select(Child.id).where(Child.region_code.in_(sorted(counties)))
    return stmt.where(or_(ChildDuplicate.child_a_id.in_(reachable),
                          ChildDuplicate.child_b_id.in_(reachable)))


def get_duplicate(session: Session, user: User, duplicate_id: int) -> ChildDuplicate:
    """One possible duplicate pair the user may decide (a coordinator of either child's
    county), else raise NotFound."""
    found = session.execute(scoped_duplicates(session, user).where(
        ChildDuplicate.id == duplicate_id)).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def coordinators_of(session: Session, county: str) -> list[User]:
    """Active coordinators covering a county (directly, or by its city or province)."""
    ancestors = {r.code for r in region_tree(session).path(county)}
    coordinators = session.execute(select(User).where(
        User.role == "coordinator", User.active)).scalars().all()
    return [u for u in coordinators if ancestors & set(u.region_codes)]
