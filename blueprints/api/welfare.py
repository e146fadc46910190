"""A child's local child-welfare contact (village child director or township supervisor)."""

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from blueprints.api.core import scoped_record, secured
from extensions import db
from models import Child
from services.access import audit
from services.followups import welfare_contacts
from services.shared.phones import mask_phone

blp = Blueprint("api_welfare", __name__, url_prefix="/api/v1/children",
                description="Children's local child-welfare contacts (coordinators' counties)")


class LocalContactIn(Schema):
    role = fields.String(required=True,
                         validate=validate.OneOf(list(welfare_contacts.WELFARE_ROLES)))
    name = fields.String(required=True, validate=validate.Length(1, 64))
    phone = fields.String(required=True, load_only=True)


class LocalContactOut(Schema):
    role = fields.String()
    name = fields.String()
    phone_masked = fields.Function(lambda c: mask_phone(c.phone))
    source = fields.Function(lambda c: "child" if c.child_id else "township",
                             metadata={"description": "child (its own) or township"})
    township = fields.String(metadata={"description": "The township, for a township contact"})


class LocalContactEnvelope(Schema):
    local_contact = fields.Nested(LocalContactOut, allow_none=True,
                                  metadata={"description": "null: none; the coordinators "
                                                           "are told directly"})


@blp.route("/<int:child_id>/local-contact")
@secured(blp, "welfare_contact.manage")
@blp.response(200, LocalContactEnvelope)
@blp.alt_response(404, description="No such child in the caller's counties")
def get_local_contact(child_id):
    """The contact who hears of lapsed follow-ups: the child's own, else its township's."""
    child = scoped_record(Child, child_id)
    audit.record(db.session, g.api_user, "child.view", "child", child.id)
    return {"local_contact": welfare_contacts.contact_of(db.session, child)}


@blp.route("/<int:child_id>/local-contact", methods=["PUT"])
@secured(blp, "welfare_contact.manage")
@blp.arguments(LocalContactIn)
@blp.response(200, LocalContactEnvelope)
@blp.alt_response(404, description="No such child in the caller's counties")
def set_local_contact(body, child_id):
    """Set the child's own contact (it overrides the township's)."""
    child = scoped_record(Child, child_id)
    contact = welfare_contacts.set_for_child(db.session, g.api_user, child, body)
    return {"local_contact": contact}


@blp.route("/<int:child_id>/local-contact", methods=["DELETE"])
@secured(blp, "welfare_contact.manage")
@blp.response(204)
@blp.alt_response(404, description="No such child in the caller's counties")
def clear_local_contact(child_id):
    """Remove the child's own contact (the township's applies again, if any)."""
    child = scoped_record(Child, child_id)
    welfare_contacts.clear_for_child(db.session, g.api_user, child)
