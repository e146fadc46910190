"""Possible duplicate children: the coordinators' list, and linking or dismissing a pair."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints import edge
from blueprints.children import bp
from blueprints.forms import ActionForm
from blueprints.transaction import saving
from blueprints.web import requires
from core.errors import NotFound
from extensions import db
from services.duplicates import review


def notice_text(notice) -> str:
    """One line a coordinator can act on: where the other record is, and whom to call."""
    people = ", ".join(_("%(name)s (coordinator, %(region)s)", name=c.name,
                         region=c.region_name) for c in notice.contacts)
    return _("Possible duplicate of %(child)s in %(county)s (%(rule)s): contact %(people)s.",
             child=notice.child_name, county=notice.other_region_name,
             rule=_(review.RULE_LABELS[notice.rule]),
             people=people or _("the programme administrators"))


def flash_notices(notices) -> None:
    for notice in notices:
        flash(notice_text(notice), "warning")


@bp.route("/duplicates")
@requires("duplicate.review")
def duplicates():
    status = request.args.get("status", "open")
    if status not in review.STATUS_LABELS:
        status = "open"
    page = edge.paginate(review.listing(db.session, current_user, status))
    notices = review.describe(db.session, current_user, page.items)
    return render_template("children/duplicates.html", page=page, notices=notices,
                           status=status, action_form=ActionForm(),
                           statuses=review.STATUS_LABELS)


@bp.route("/duplicates/<int:duplicate_id>/<any(link, dismiss):decision>", methods=["POST"])
@requires("duplicate.review")
def decide_duplicate(duplicate_id: int, decision: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    decide = review.link if decision == "link" else review.dismiss
    try:
        with saving() as saved:
            decide(db.session, current_user, duplicate_id)
    except NotFound:
        abort(404)
    if saved:
        flash(_("Linked: the two records are one child and will never be paired twice.")
              if decision == "link" else _("Dismissed: these are two different children."),
              "success")
    return redirect(url_for("children.duplicates", status=request.args.get("status", "open")))
