from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.forms import (
    MultiCheckboxField,
    labelled,
    need_choices,
    once_field,
    options,
    region_field,
)
from services.shared import taxonomy


class SignupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "name"})
    phone = StringField(_l("Mobile number"), validators=[DataRequired()],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    password = PasswordField(_l("Password (at least 8 characters)"),
                             validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})
    gender = RadioField(_l("Gender"), choices=labelled(taxonomy.GENDERS),
                        validators=[InputRequired()])
    region_code = region_field(_l("Where you live (county)"))
    latitude = DecimalField(_l("Latitude (optional)"), places=None, validators=[Optional()])
    longitude = DecimalField(_l("Longitude (optional)"), places=None, validators=[Optional()])
    skills = MultiCheckboxField(_l("What you can offer"), choices=need_choices())
    capacity = SelectField(_l("How many children can you support"),
                           choices=options([("1", "1"), ("2", "2"), ("3", "3")]), default="1")
    max_distance_km = IntegerField(_l("Furthest you can travel (km)"), default=20,
                                   validators=[InputRequired(), NumberRange(1, 200)])
    age_min = IntegerField(_l("Youngest child age (optional)"), validators=[Optional()])
    age_max = IntegerField(_l("Oldest child age (optional)"), validators=[Optional()])
    child_gender = SelectField(_l("Child's gender"), choices=options([
        ("any", _l("No preference")), ("M", _l("Boy")), ("F", _l("Girl"))]))
    availability = TextAreaField(_l("When are you available"), validators=[Length(max=500)])
    motivation = TextAreaField(_l("Why do you want to be a caring parent"),
                               validators=[Length(max=1000)])
    privacy_consent = BooleanField(_l("I have read and accept the privacy notice"))


class CheckForm(FlaskForm):
    certificate_no = StringField(_l("Certificate number"), validators=[DataRequired()])
    issuing_office = StringField(_l("Issuing police office"), validators=[DataRequired()])
    issued_on = DateField(_l("Date of issue"), validators=[DataRequired()])
    submission = once_field()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
