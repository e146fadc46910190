from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.forms import labelled, region_field
from services.pairs.history import REJECT_CAUSES
from services.pairs.repairing import END_CAUSES


class StartRunForm(FlaskForm):
    region_code = region_field(_l("Region to match (county, city or province: name or code)"))


class RejectForm(FlaskForm):
    cause = RadioField(_l("Why is this proposal not right?"), choices=labelled(REJECT_CAUSES),
                       validators=[DataRequired(_l("Choose why the proposal is rejected."))])
    reason = TextAreaField(_l("In your own words (needed for another reason)"),
                           validators=[Length(max=500)])


class EndPairForm(FlaskForm):
    reason = TextAreaField(_l("Why the pair ends"), validators=[DataRequired(), Length(max=500)])
    cause = SelectField(_l("Cause"), choices=labelled(END_CAUSES), default="other")
