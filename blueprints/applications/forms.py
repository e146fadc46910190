from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.forms import labelled
from services.applications.review import REASON_MAX, VERIFICATION_METHODS
from services.shared import taxonomy


class VerifyForm(FlaskForm):
    method = SelectField(_l("How you checked"), choices=labelled(VERIFICATION_METHODS))
    note = TextAreaField(_l("What you found"), validators=[DataRequired(), Length(max=2000)])


class AcceptForm(FlaskForm):
    priority = SelectField(_l("Priority"), choices=labelled(taxonomy.PRIORITIES),
                           default="normal")


class DeclineForm(FlaskForm):
    reason = StringField(_l("Reason (sent to the family by SMS)"),
                         validators=[DataRequired(), Length(max=REASON_MAX)])
