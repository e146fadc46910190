"""Volunteers: public sign-up, the volunteer's own profile, and vetting by coordinators.

Rules: sign-up needs no token and the privacy notice accepted; a volunteer reads only
their own profile (/me); coordinators and admins list, read, check and vet the
volunteers of their counties (others are 404). Vetting follows the state machine in
services.registry.volunteers: an illegal move is 409; rejecting or suspending needs a reason.
Phones are only ever returned masked.
"""

from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from blueprints import codes, limits
from blueprints.api.core import (
    PageArgs,
    abort,
    fail_from,
    page_schema,
    paginate,
    scoped_record,
    secured,
    too_many,
)
from blueprints.api.pairs import existing_id
from blueprints.transaction import discard
from blueprints.web import tree
from core.errors import DomainError
from extensions import db, limiter
from models import Volunteer
from models.volunteer import VOLUNTEER_STATUSES
from services.access import otp, policy
from services.registry import signup, volunteers
from services.shared import taxonomy
from services.shared.phones import mask_phone
from services.shared.validation import Invalid

blp = Blueprint("api_volunteers", __name__, url_prefix="/api/v1/volunteers",
                description="Volunteers (caring parents): sign-up and vetting")

COUNTY_CODE = validate.Regexp(r"^\d{6}$")
NOT_BLANK = validate.Regexp(r"\s*\S", error="This field is required.")


class VolunteerSignupIn(Schema):
    """The web sign-up form's fields; anything else is refused (422)."""

    name = fields.String(required=True, validate=validate.Length(1, 64))
    phone = fields.String(required=True, metadata={"example": "13900001111"})
    password = fields.String(required=True, load_only=True)
    gender = fields.String(required=True, validate=validate.OneOf(list(taxonomy.GENDERS)))
    region_code = fields.String(required=True, validate=COUNTY_CODE)
    latitude = fields.Float(allow_none=True, load_default=None)
    longitude = fields.Float(allow_none=True, load_default=None)
    skills = fields.List(fields.String(validate=validate.OneOf(list(taxonomy.NEEDS))),
                         required=True, validate=validate.Length(min=1))
    capacity = fields.Integer(load_default=1, validate=validate.Range(1, 3))
    max_distance_km = fields.Float(load_default=20, validate=validate.Range(1, 200))
    age_min = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 17))
    age_max = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 17))
    child_gender = fields.String(load_default="any",
                                 validate=validate.OneOf(list(volunteers.CHILD_GENDER_CHOICES)))
    availability = fields.String(load_default="", validate=validate.Length(max=500))
    motivation = fields.String(load_default="", validate=validate.Length(max=1000))
    privacy_consent = fields.Boolean(required=True, validate=validate.Equal(
        True, error="You must accept the privacy notice to sign up."))


def _codes(text: str) -> list[str]:
    return sorted(filter(None, (text or "").split(";")))


class VolunteerSelfOut(Schema):
    """What a volunteer sees of their own profile."""

    id = fields.Integer()
    name = fields.String()
    phone_masked = fields.Function(lambda v: mask_phone(v.phone), metadata={"type": "string"})
    gender = fields.String()
    region_code = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    skills = fields.Function(lambda v: _codes(v.skills), metadata={"type": "array",
                                                                   "items": {"type": "string"}})
    capacity = fields.Integer()
    active_pairs = fields.Integer()
    max_distance_km = fields.Float()
    age_min = fields.Integer(allow_none=True)
    age_max = fields.Integer(allow_none=True)
    child_gender = fields.String(allow_none=True)
    availability = fields.String()
    motivation = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class VolunteerCheckIn(Schema):
    certificate_no = fields.String(required=True, validate=validate.Length(max=64))
    issuing_office = fields.String(required=True, validate=validate.Length(max=128))
    issued_on = fields.Date(required=True)


class VolunteerCheckOut(Schema):
    id = fields.Integer()
    source = fields.String()
    certificate_no = fields.String()
    issuing_office = fields.String()
    issued_on = fields.Date(allow_none=True)
    checked_by_id = fields.Integer(allow_none=True)
    checked_at = fields.DateTime()
    expires_on = fields.Date()


class VolunteerOut(VolunteerSelfOut):
    """A coordinator's view of a volunteer."""

    external_id = fields.String(allow_none=True)
    status_reason = fields.String()
    status_changed_at = fields.DateTime(allow_none=True)
    privacy_consent_at = fields.DateTime(allow_none=True)
    checks = fields.List(fields.Nested(VolunteerCheckOut))


class VolunteerQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(VOLUNTEER_STATUSES))
    region_code = fields.String(validate=COUNTY_CODE)
    q = fields.String(validate=validate.Length(max=64),
                      metadata={"description": "Name contains, or exact ledger id"})


class VolunteerStatusIn(Schema):
    """vetted (vet or reinstate), rejected or suspended; the last two need a reason."""

    status = fields.String(required=True,
                           validate=validate.OneOf(["vetted", "rejected", "suspended"]))
    reason = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def _reason_given(self, data, **kwargs):
        if data.get("status") in ("rejected", "suspended") and not data["reason"].strip():
            raise ValidationError("Give a reason.", "reason")


VolunteerPage = page_schema(VolunteerOut, "VolunteerPage")


def _signup_limit() -> str:
    return current_app.config["LOGIN_LIMITS"]


class SignupAcceptedOut(Schema):
    expires_in = fields.Integer(metadata={"description": "Seconds the code sent by SMS "
                                                         "stays valid"})


@blp.route("/signup", methods=["POST"])
@limiter.limit(_signup_limit, methods=["POST"])
@limiter.limit(limits.login_limit, methods=["POST"], key_func=limits.json_phone_key)
@blp.arguments(VolunteerSignupIn)
@blp.response(202, SignupAcceptedOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(422, description="A field is missing or not valid")
@blp.alt_response(429, description="Too many sign-ups from this address or for this number")
def sign_up(body):
    """Sign up as a volunteer (no token); the application waits for a coordinator.

    A 6-digit code is sent to the phone by SMS; the account can log in only after
    POST /api/v1/auth/verify with that code. The answer is the same for a number that
    already has an account: its owner is told by SMS what to do instead (no code)."""
    try:
        signup.start(db.session, body, tree(), codes.client_address(), codes.limits())
    except otp.TooManyCodes as error:
        too_many(error)
    except (Invalid, DomainError) as error:
        fail_from(error)
    except IntegrityError:  # the same number signed up at the same moment: answer alike
        discard()
    return {"expires_in": int(otp.CODE_TTL.total_seconds())}


@blp.route("")
@secured(blp, "volunteer.view", "The role may not view volunteers")
@blp.arguments(VolunteerQuery, location="query")
@blp.response(200, VolunteerPage)
def list_volunteers(args):
    """Volunteers of the caller's counties, oldest first, filtered."""
    stmt = volunteers.search(db.session, g.api_user, text=args.get("q", ""),
                             status=args.get("status"), region_code=args.get("region_code")
                             ).options(selectinload(Volunteer.checks))
    return paginate(stmt, args)


@blp.route("/me")
@secured(blp, "volunteer.view_own", "Not a volunteer's token")
@blp.response(200, VolunteerSelfOut)
@blp.alt_response(404, description="The account has no volunteer profile")
def me():
    """The calling volunteer's own profile."""
    volunteer = db.session.execute(
        policy.scoped(db.session, g.api_user, Volunteer)
        .where(Volunteer.user_id == g.api_user.id)).scalar_one_or_none()
    if volunteer is None:
        abort(404, "not_found", "Not found")
    return volunteer


@blp.route("/<int:volunteer_id>")
@secured(blp, "volunteer.view", "The role may not view volunteers")
@blp.response(200, VolunteerOut)
@blp.alt_response(404, description="No such volunteer in the caller's counties")
def get_volunteer(volunteer_id):
    """One volunteer with their background checks."""
    return scoped_record(Volunteer, existing_id(volunteer_id))


@blp.route("/<int:volunteer_id>/checks", methods=["POST"])
@secured(blp, "volunteer.vet", "The role may not vet volunteers")
@blp.arguments(VolunteerCheckIn)
@blp.response(201, VolunteerCheckOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(404, description="No such volunteer in the caller's counties")
def record_check(body, volunteer_id):
    """Record a no-criminal-record certificate the caller has checked."""
    volunteer = scoped_record(Volunteer, existing_id(volunteer_id))
    check = volunteers.record_check(db.session, g.api_user, volunteer, **body)
    return check


@blp.route("/<int:volunteer_id>/status", methods=["POST"])
@secured(blp, "volunteer.vet", "The role may not vet volunteers")
@blp.arguments(VolunteerStatusIn)
@blp.response(200, VolunteerOut)
@blp.alt_response(400, description="The body is not valid JSON")
@blp.alt_response(404, description="No such volunteer in the caller's counties")
@blp.alt_response(409, description="Not a legal move from the current status, or no "
                                   "background check recorded before vetting")
def change_status(body, volunteer_id):
    """Vet, reject, suspend or reinstate a volunteer."""
    volunteer = scoped_record(Volunteer, existing_id(volunteer_id))
    volunteers.change_status(db.session, g.api_user, volunteer, body["status"],
                             body["reason"])
    return volunteer
