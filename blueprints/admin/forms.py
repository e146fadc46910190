from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from blueprints.forms import options


class CoordinatorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("Mobile number"), validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=options([("coordinator", _l("Coordinator")),
                                                    ("admin", _l("Administrator"))]))
    password = PasswordField(_l("First password (at least 8 characters)"),
                             validators=[DataRequired()])
    regions = StringField(_l("Regions covered (names or codes, separated by commas)"),
                          render_kw={"data-region-search": "many", "autocomplete": "off"})


class RegionsForm(FlaskForm):
    regions = StringField(_l("Regions covered (names or codes, separated by commas)"),
                          validators=[DataRequired()],
                          render_kw={"data-region-search": "many", "autocomplete": "off"})
