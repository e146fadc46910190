"""Children: list, create, read, update, and ledger import; coordinators and admins."""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from blueprints.api.core import (
    PageArgs,
    abort,
    page_schema,
    paginate,
    scoped_record,
    secured,
)
from blueprints.api.duplicates import RowDuplicatesOut
from blueprints.web import translate, tree
from extensions import db
from models import Child
from services import imports
from services.access import audit
from services.registry import children
from services.shared import taxonomy
from services.shared.idcard import mask_id_number
from services.shared.phones import mask_phone

blp = Blueprint("api_children", __name__, url_prefix="/api/v1/children",
                description="Children in the programme (coordinators' counties only)")

NEED_CODES = validate.OneOf(list(taxonomy.NEEDS))


class ConsentIn(Schema):
    given_by = fields.String(required=True)
    relation = fields.String(required=True,
                             validate=validate.OneOf(list(children.GUARDIAN_RELATIONS)))
    method = fields.String(required=True, validate=validate.OneOf(list(taxonomy.CONSENT_METHODS)))
    given_on = fields.Date(required=True)


class ChildIn(Schema):
    """The fields a coordinator may write; anything else is refused (422)."""

    name = fields.String(required=True, validate=validate.Length(1, 64))
    gender = fields.String(required=True, validate=validate.OneOf(["M", "F"]))
    birth_date = fields.Date(required=True)
    region_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    township = fields.String(load_default="")
    latitude = fields.Float(allow_none=True, load_default=None)
    longitude = fields.Float(allow_none=True, load_default=None)
    category = fields.String(required=True,
                             validate=validate.OneOf(list(taxonomy.CATEGORIES)))
    sub_type = fields.String(allow_none=True, load_default=None,
                             validate=validate.OneOf(list(taxonomy.SUB_TYPES)))
    needs = fields.List(fields.String(validate=NEED_CODES), required=True,
                        validate=validate.Length(min=1))
    priority = fields.String(load_default="normal",
                             validate=validate.OneOf(list(taxonomy.PRIORITIES)))
    guardian_name = fields.String(required=True)
    guardian_relation = fields.String(
        required=True, validate=validate.OneOf(list(children.GUARDIAN_RELATIONS)))
    guardian_phone = fields.String(required=True)
    school = fields.String(load_default="")
    notes = fields.String(load_default="")
    id_number = fields.String(load_default="", load_only=True,
                              metadata={"description": "Stored encrypted, never returned"})
    consent = fields.Nested(ConsentIn, load_only=True, allow_none=True, load_default=None)


class ChildPatch(ChildIn):
    """Some of the fields of ChildIn; those left out keep their value."""


class ChildOut(Schema):
    id = fields.Integer()
    external_id = fields.String(allow_none=True)
    name = fields.String()
    gender = fields.String()
    birth_date = fields.Date()
    region_code = fields.String()
    township = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    category = fields.String()
    sub_type = fields.String(allow_none=True)
    needs = fields.Function(lambda c: sorted(c.need_set), metadata={"type": "array"})
    priority = fields.String()
    guardian_name = fields.String()
    guardian_relation = fields.String()
    guardian_phone_masked = fields.Function(lambda c: mask_phone(c.guardian_phone))
    id_number_masked = fields.Function(lambda c: mask_id_number(c.id_number_tail) or None)
    school = fields.String()
    notes = fields.String()
    has_consent = fields.Boolean()
    created_at = fields.DateTime()


class ChildQuery(PageArgs):
    priority = fields.String(validate=validate.OneOf(list(taxonomy.PRIORITIES)))
    region_code = fields.String(validate=validate.Regexp(r"^\d{6}$"))
    has_consent = fields.Boolean()
    q = fields.String(validate=validate.Length(max=64),
                      metadata={"description": "Name contains, or exact ledger id"})


class ImportOut(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    import_id = fields.Integer()
    possible_duplicates = fields.List(fields.Nested(RowDuplicatesOut), metadata={
        "description": "Rows that may be children already registered (never a failure)"})


class FileIn(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


ChildPage = page_schema(ChildOut, "ChildPage")


@blp.route("")
@secured(blp, "child.view")
@blp.arguments(ChildQuery, location="query")
@blp.response(200, ChildPage)
def list_children(args):
    """Children in the caller's counties, newest last, filtered."""
    stmt = children.search(db.session, g.api_user, text=args.get("q", ""),
                           priority=args.get("priority"), region_code=args.get("region_code"),
                           has_consent=args.get("has_consent"))
    page = paginate(stmt, args)
    audit.record_many(db.session, g.api_user, "child.list", "child",
                      [c.id for c in page["items"]])
    return page


@blp.route("", methods=["POST"])
@secured(blp, "child.create")
@blp.arguments(ChildIn)
@blp.response(201, ChildOut)
@blp.alt_response(409, description="Outside the caller's counties or another rule broken")
def create_child(body):
    """Register a child (with the guardian's consent, if given)."""
    consent = body.pop("consent")
    child = children.register_child(db.session, g.api_user, body, tree(), consent)
    return child


@blp.route("/<int:child_id>")
@secured(blp, "child.view")
@blp.response(200, ChildOut)
@blp.alt_response(404, description="No such child in the caller's counties")
def get_child(child_id):
    """One child."""
    child = scoped_record(Child, child_id)
    audit.record(db.session, g.api_user, "child.view", "child", child.id)
    return child


@blp.route("/<int:child_id>", methods=["PATCH"])
@secured(blp, "child.edit")
@blp.arguments(ChildPatch(partial=True))
@blp.response(200, ChildOut)
@blp.alt_response(404, description="No such child in the caller's counties")
def update_child(body, child_id):
    """Change some of a child's fields."""
    child = scoped_record(Child, child_id)
    body.pop("consent", None)
    current = {name: getattr(child, name) for name in children.CHILD_FIELDS}
    current["needs"] = sorted(child.need_set)
    children.update_child(db.session, g.api_user, child, {**current, **body}, tree())
    return child


@blp.route("/import", methods=["POST"])
@secured(blp, "child.import")
@blp.arguments(FileIn, location="files")
@blp.response(200, ImportOut)
@blp.alt_response(413, description="The file is too large")
@blp.alt_response(422, description="Rows with problems; nothing was written")
def import_children(files):
    """Import a children ledger (CSV or XLSX): every row or none."""
    try:
        header, rows = imports.read_table(files["file"].read())
        job = imports.import_children(db.session, g.api_user, header, rows, tree())
    except imports.ImportFailed as failure:
        errors = {}
        for p in failure.problems:
            errors.setdefault(f"row {p.row}", []).append(
                f"{p.column}: {translate(p.message, p.params)}")
        abort(422, "import_failed", translate(failure.message, failure.params), errors)
    return {"created": job.created, "updated": job.updated, "import_id": job.id,
            "possible_duplicates": job.duplicate_rows}
