from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from blueprints.forms import labelled, options, region_field
from services.reports.targets import METRICS


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


class TargetForm(FlaskForm):
    region_code = region_field(_l("Region (province, city or county: name or code)"))
    metric = SelectField(_l("What the target measures"), choices=labelled(METRICS))
    value = IntegerField(_l("Target"), validators=[DataRequired(_l("Give the target figure.")),
                                                   NumberRange(min=0)])
    due_on = DateField(_l("To reach by"), validators=[DataRequired(_l("Give the date."))])
