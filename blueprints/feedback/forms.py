"""The short feedback form (phone-friendly) and the coordinator's guardian form.

Choices are checked by services.followups.feedback, which names every field to fix."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField

from blueprints.forms import labelled, once_field
from services.followups.feedback import (
    CHILD_TRENDS,
    COMMENT_MAX,
    CONTACT_FREQUENCIES,
    ROUNDS,
    SATISFACTION,
    YES_NO,
)


def _radio(label, choices):
    return RadioField(label, choices=labelled(choices), validate_choice=False)


class FeedbackForm(FlaskForm):
    submission = once_field()
    satisfaction = _radio(_l("Overall, how satisfied are you with the pair?"), SATISFACTION)
    contact_frequency = _radio(_l("How often are you in contact?"), CONTACT_FREQUENCIES)
    child_trend = _radio(_l("Since the pair started, the child seems"), CHILD_TRENDS)
    would_continue = _radio(_l("Would you continue the pair?"), YES_NO)
    comment = TextAreaField(_l("Anything else (optional)"),
                            render_kw={"maxlength": COMMENT_MAX, "rows": 3})


class GuardianFeedbackForm(FeedbackForm):
    round = _radio(_l("Which feedback"), ROUNDS)
