from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.forms import region_field


class StartRunForm(FlaskForm):
    region_code = region_field(_l("Region to match (county, city or province code)"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Why (optional)"), validators=[Length(max=500)])


class EndPairForm(FlaskForm):
    reason = TextAreaField(_l("Why the pair ends"), validators=[DataRequired(), Length(max=500)])
