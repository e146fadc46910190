"""Follow-ups: contact logs, concerns (强制报告), the SMS outbox and the dashboard.

Rules: only a pair's own volunteer logs contacts and raises concerns about its child (an
ended pair is 409); the pair's volunteer or a coordinator of the child's county reads
its contacts. Coordinators and admins list concerns of their counties and close them by
recording an action (closing twice is 409). The outbox shows coordinators the messages
about children of their counties and a volunteer only the messages addressed to them;
numbers are masked. The dashboard's figures are aggregate queries over the caller's
counties. Records outside the caller's reach are 404.
"""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from blueprints.api.core import PageArgs, abort, fail_from, page_schema, paginate, secured
from blueprints.api.pairs import MAX_ID, existing_id, scoped_pair
from core.clock import now, today_local
from core.errors import DomainError
from extensions import db
from models import Concern, ContactLog, OutboxMessage, Pair
from models.sms import OUTBOX_STATUSES
from services.access import policy
from services.followups import cases, contacts
from services.reports import dashboard as dashboard_figures
from services.shared.phones import mask_phone

blp = Blueprint("api_followups", __name__, url_prefix="/api/v1",
                description="Contacts, concerns, SMS reminders and the dashboard")

NOT_BLANK = validate.Regexp(r"\s*\S", error="This field is required.")
CONCERN_KIND = validate.OneOf(list(contacts.CONCERN_KINDS))


class ContactIn(Schema):
    contact_date = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(contacts.CONTACT_KINDS)))
    duration_minutes = fields.Integer(load_default=0, validate=validate.Range(0, 1440))
    child_mood = fields.String(required=True,
                               validate=validate.OneOf(list(contacts.CHILD_MOODS)))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    school_dropout = fields.Boolean(load_default=False, metadata={
        "description": "The child has stopped going to school (a watch-list signal)"})
    concern_kind = fields.String(allow_none=True, load_default=None, validate=CONCERN_KIND)
    concern_text = fields.String(load_default="", validate=validate.Length(max=2000))


class ContactOut(Schema):
    id = fields.Integer()
    pair_id = fields.Integer()
    contact_date = fields.Date()
    kind = fields.String()
    duration_minutes = fields.Integer()
    notes = fields.String()
    child_mood = fields.String()
    school_dropout = fields.Boolean()
    logged_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    concern_id = fields.Integer(allow_none=True, metadata={
        "description": "The concern raised with this contact, if any"})


class ConcernIn(Schema):
    pair_id = fields.Integer(required=True, strict=True,
                             validate=validate.Range(1, MAX_ID))
    kind = fields.String(required=True, validate=CONCERN_KIND)
    text = fields.String(required=True, validate=[validate.Length(max=2000), NOT_BLANK])
    immediate_danger = fields.Boolean(load_default=False, metadata={
        "description": "The child is in danger now: mandatory alerts go out at once (the "
                       "reporter should call 110)"})
    occurred_on = fields.Date(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=200))


class ConcernRaisedOut(Schema):
    id = fields.Integer()
    pair_id = fields.Integer(allow_none=True)
    kind = fields.String()
    text = fields.String()
    status = fields.String()
    step = fields.String()
    immediate_danger = fields.Boolean()
    created_at = fields.DateTime()


class ConcernOut(ConcernRaisedOut):
    child_id = fields.Integer()
    child_name = fields.Function(lambda c: c.child.name, metadata={"type": "string"})
    contact_log_id = fields.Integer(allow_none=True)
    raised_by_id = fields.Integer(allow_none=True)
    action = fields.String()
    action_by_id = fields.Integer(allow_none=True)
    action_at = fields.DateTime(allow_none=True)


class ConcernQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(["open", "closed"]))


class ConcernActionIn(Schema):
    action = fields.String(required=True, validate=[validate.Length(max=2000), NOT_BLANK])


class ReminderOut(Schema):
    id = fields.Integer()
    template = fields.String()
    subject = fields.String(metadata={"description": "contact, visit, approval or concern"})
    audience = fields.String(metadata={"description": "volunteer, guardian or coordinator"})
    to_phone_masked = fields.Function(lambda m: mask_phone(m.to_phone),
                                      metadata={"type": "string"})
    status = fields.String()
    reason = fields.String()
    attempts = fields.Integer()
    pair_id = fields.Integer(allow_none=True)
    concern_id = fields.Integer(allow_none=True)
    not_before = fields.DateTime()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class ReminderQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(OUTBOX_STATUSES))


class DashboardWaiting(Schema):
    urgent = fields.Integer()
    high = fields.Integer()
    normal = fields.Integer()


class DashboardChildren(Schema):
    registered = fields.Integer()
    with_consent = fields.Integer()
    paired = fields.Integer()
    waiting = fields.Nested(DashboardWaiting, metadata={
        "description": "With consent and no active pair, by priority"})
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Children registered per category (left_behind, in_difficulty, "
                       "migrant)"})


class DashboardApplications(Schema):
    received = fields.Integer(metadata={"description": "Families' own applications"})
    waiting = fields.Integer(metadata={"description": "Not verified yet"})
    due = fields.Integer(metadata={"description": "Verified, or sent over 7 days ago"})
    verified_within_7_days = fields.Integer()
    verified_within_7_days_share = fields.Float(allow_none=True, metadata={
        "description": "verified_within_7_days / due; null when none is due"})


class DashboardVolunteers(Schema):
    pending = fields.Integer()
    vetted = fields.Integer()
    at_capacity = fields.Integer()


class DashboardPairs(Schema):
    active = fields.Integer()
    compliant = fields.Integer(metadata={"description": "Active, a contact in the last 30 days"})
    compliance_share = fields.Float(allow_none=True, metadata={
        "description": "compliant / active; null without active pairs"})
    overdue = fields.Integer(metadata={"description": "A contact or visit due date has passed"})


class DashboardCases(Schema):
    open = fields.Integer()
    by_step = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Open cases by step: reported, acknowledged, assessed, referred"})
    by_age = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Open cases by days since the report"})
    overdue_acknowledgements = fields.Integer()
    overdue_reviews = fields.Integer()


class DashboardOut(Schema):
    today = fields.Date()
    cases = fields.Nested(DashboardCases)
    children = fields.Nested(DashboardChildren)
    volunteers = fields.Nested(DashboardVolunteers)
    pairs = fields.Nested(DashboardPairs)
    open_concerns = fields.Integer()
    applications = fields.Nested(DashboardApplications)


ContactPage = page_schema(ContactOut, "ContactPage")
ConcernPage = page_schema(ConcernOut, "ConcernPage")
ReminderPage = page_schema(ReminderOut, "ReminderPage")


def _contact_out(entry: ContactLog, concern_id: int | None) -> dict:
    return {name: getattr(entry, name) for name in (
        "id", "pair_id", "contact_date", "kind", "duration_minutes", "notes", "child_mood",
        "school_dropout", "logged_by_id", "created_at")} | {"concern_id": concern_id}


def _readable_pair(pair_id: int) -> Pair:
    """The pair if the caller is its volunteer or a coordinator of its child's county."""
    if policy.allowed(g.api_user, "followup.view"):
        return scoped_pair(pair_id)
    if not policy.allowed(g.api_user, "contact.log"):
        abort(403, "forbidden", "Your role may not do this.")
    return _own_pair(pair_id)


def _own_pair(pair_id: int) -> Pair:
    pair = contacts.pair_of_volunteer(db.session, g.api_user, existing_id(pair_id))
    if pair is None:
        abort(404, "not_found", "Not found")
    return pair


@blp.route("/pairs/<int:pair_id>/contacts", methods=["POST"])
@secured(blp, "contact.log", "Only volunteers log contacts")
@blp.arguments(ContactIn)
@blp.response(201, ContactOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(404, description="Not one of the caller's pairs")
@blp.alt_response(409, description="The pair has ended")
def log_contact(body, pair_id):
    """Log a contact with the child; a concern given with it alerts the coordinators."""
    pair = _own_pair(pair_id)
    entry = contacts.log_contact(db.session, g.api_user, pair, body)
    concern_id = db.session.execute(select(Concern.id).where(
        Concern.contact_log_id == entry.id)).scalar_one_or_none()
    return _contact_out(entry, concern_id)


@blp.route("/pairs/<int:pair_id>/contacts")
@secured(blp, forbidden="The role may not read contacts")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ContactPage)
@blp.alt_response(404, description="No such pair within the caller's reach")
def list_contacts(args, pair_id):
    """The pair's contact log, oldest first."""
    pair = _readable_pair(pair_id)
    page = paginate(select(ContactLog).where(ContactLog.pair_id == pair.id)
                    .order_by(ContactLog.id), args)
    ids = [entry.id for entry in page["items"]]
    concerns = dict(db.session.execute(select(Concern.contact_log_id, Concern.id).where(
        Concern.contact_log_id.in_(ids))).tuples().all()) if ids else {}
    return {**page, "items": [_contact_out(e, concerns.get(e.id)) for e in page["items"]]}


@blp.route("/concerns", methods=["POST"])
@secured(blp, "contact.log", "Only volunteers raise concerns here")
@blp.arguments(ConcernIn)
@blp.response(201, ConcernRaisedOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(404, description="pair_id is not one of the caller's pairs")
@blp.alt_response(409, description="The pair has ended")
def raise_concern(body):
    """Raise a concern about the child of one of the caller's active pairs."""
    pair = _own_pair(body["pair_id"])
    if pair.status != "active":
        fail_from(DomainError("This pair has ended; contacts can no longer be logged."))
    concern = cases.report(db.session, g.api_user, pair.child, body, pair_id=pair.id)
    return concern


@blp.route("/concerns")
@secured(blp, "followup.view", "The role may not view concerns")
@blp.arguments(ConcernQuery, location="query")
@blp.response(200, ConcernPage)
def list_concerns(args):
    """Concerns about children of the caller's counties, oldest first."""
    stmt = policy.scoped_by_child(db.session, g.api_user, Concern).options(
        joinedload(Concern.child)).order_by(Concern.id)
    if "status" in args:
        stmt = stmt.where(Concern.status == args["status"])
    return paginate(stmt, args)


@blp.route("/concerns/<int:concern_id>/action", methods=["POST"])
@secured(blp, "concern.act", "The role may not act on concerns")
@blp.arguments(ConcernActionIn)
@blp.response(200, ConcernOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(404, description="No such concern in the caller's counties")
@blp.alt_response(409, description="The concern is already closed")
def act_on_concern(body, concern_id):
    """Record what was done about a concern; this closes it."""
    concern = db.session.execute(policy.scoped_by_child(db.session, g.api_user, Concern)
                                 .where(Concern.id == existing_id(concern_id))
                                 ).scalar_one_or_none()
    if concern is None:
        abort(404, "not_found", "Not found")
    contacts.act_on_concern(db.session, g.api_user, concern, body["action"])
    return concern


@blp.route("/reminders")
@secured(blp, forbidden="The role may not view the outbox")
@blp.arguments(ReminderQuery, location="query")
@blp.response(200, ReminderPage)
def list_reminders(args):
    """SMS outbox: about children of the caller's counties, or to the calling volunteer."""
    if policy.allowed(g.api_user, "sms.view"):
        stmt = policy.scoped_by_child(db.session, g.api_user, OutboxMessage)
    elif policy.allowed(g.api_user, "contact.log"):
        stmt = select(OutboxMessage).where(OutboxMessage.recipient_user_id == g.api_user.id)
    else:
        abort(403, "forbidden", "Your role may not do this.")
    stmt = stmt.order_by(OutboxMessage.id)
    if "status" in args:
        stmt = stmt.where(OutboxMessage.status == args["status"])
    return paginate(stmt, args)


@blp.route("/dashboard")
@secured(blp, "followup.view", "The role may not view the dashboard")
@blp.response(200, DashboardOut)
def dashboard():
    """The caller's counties at a glance: children, volunteers, pairs, open concerns."""
    today = today_local()
    counties = dashboard_figures.county_figures(db.session, g.api_user, today)
    return {"today": today, **dashboard_figures.totals(counties),
            "cases": dashboard_figures.case_figures(db.session, g.api_user, now())}
