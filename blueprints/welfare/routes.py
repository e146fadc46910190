from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.forms import ActionForm
from blueprints.transaction import saving
from blueprints.web import requires, scoped_or_404, tree
from blueprints.welfare import bp
from blueprints.welfare.forms import LocalContactForm, TownshipContactForm
from core.errors import NotFound
from extensions import db
from models import Child
from services.followups import welfare_contacts


@bp.app_context_processor
def local_contact_helpers():
    """The child page shows the child's contact and the form to set one."""
    return {"local_contact_of": lambda child: welfare_contacts.contact_of(db.session, child),
            "local_contact_form": LocalContactForm, "welfare_roles": welfare_contacts.WELFARE_ROLES}


@bp.route("/children/<int:child_id>/local-contact", methods=["POST"])
@requires("welfare_contact.manage")
def set_for_child(child_id: int):
    child = scoped_or_404(Child, child_id)
    form = LocalContactForm()
    if form.validate_on_submit():
        with saving() as saved:
            welfare_contacts.set_for_child(db.session, current_user, child, form.data)
        if saved:
            flash(_("Local contact saved."), "success")
    else:
        flash(_("Give the contact's role, name and mobile number."), "danger")
    return redirect(url_for("children.detail", child_id=child.id))


@bp.route("/children/<int:child_id>/local-contact/clear", methods=["POST"])
@requires("welfare_contact.manage")
def clear_for_child(child_id: int):
    child = scoped_or_404(Child, child_id)
    if ActionForm().validate_on_submit() and \
            welfare_contacts.clear_for_child(db.session, current_user, child):
        flash(_("The child's own local contact was removed."), "success")
    return redirect(url_for("children.detail", child_id=child.id))


@bp.route("/followups/local-contacts", methods=["GET", "POST"])
@requires("welfare_contact.manage")
def townships():
    form = TownshipContactForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            welfare_contacts.set_for_township(db.session, current_user, form.data, tree())
        if saved:
            flash(_("Township contact saved."), "success")
            return redirect(url_for("welfare.townships"))
    contacts = welfare_contacts.township_contacts(db.session, current_user)
    return render_template("welfare/townships.html", form=form, contacts=contacts,
                           action_form=ActionForm())


@bp.route("/followups/local-contacts/<int:contact_id>/delete", methods=["POST"])
@requires("welfare_contact.manage")
def delete_township(contact_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        welfare_contacts.delete_township_contact(db.session, current_user, contact_id)
    except NotFound:
        abort(404)
    flash(_("Township contact removed."), "success")
    return redirect(url_for("welfare.townships"))
