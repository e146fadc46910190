from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from blueprints.forms import (
    MultiCheckboxField,
    labelled,
    need_choices,
    once_field,
    options,
)
from services.shared import taxonomy


class SignupForm(FlaskForm):
    """The public sign-up form. Fields only carry what was typed: the rules (and every
    message at once) are services.registry.volunteers.sign_up's."""

    name = StringField(_l("Name"), render_kw={"autocomplete": "name"})
    phone = StringField(_l("Mobile number"),
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    password = PasswordField(_l("Password (at least 8 characters)"),
                             render_kw={"autocomplete": "new-password"})
    gender = RadioField(_l("Gender"), choices=labelled(taxonomy.GENDERS),
                        validate_choice=False)
    county_name = StringField(_l("Where you live (county or district)"),
                              render_kw={"autocomplete": "off", "data-county-search": "1"})
    region_code = HiddenField()
    latitude = HiddenField()
    longitude = HiddenField()
    skills = MultiCheckboxField(_l("What you can offer"), choices=need_choices(),
                                validate_choice=False)
    capacity = SelectField(_l("How many children can you support"),
                           choices=options([("1", "1"), ("2", "2"), ("3", "3")]), default="1",
                           validate_choice=False)
    max_distance_km = StringField(_l("Furthest you can travel (km)"), default="20",
                                  render_kw={"inputmode": "numeric"})
    age_min = StringField(_l("Youngest child age (optional)"),
                          render_kw={"inputmode": "numeric"})
    age_max = StringField(_l("Oldest child age (optional)"),
                          render_kw={"inputmode": "numeric"})
    child_gender = SelectField(_l("Child's gender"), choices=options([
        ("any", _l("No preference")), ("M", _l("Boy")), ("F", _l("Girl"))]),
        validate_choice=False)
    availability = TextAreaField(_l("When are you available"))
    motivation = TextAreaField(_l("Why do you want to be a caring parent"))
    privacy_consent = BooleanField(_l("I have read and accept the privacy notice"))

    #: The order of the error summary: the page's order.
    SUMMARY_ORDER = ("name", "phone", "password", "gender", "region_code", "latitude",
                     "skills", "capacity", "max_distance_km", "age_min", "age_max",
                     "child_gender", "availability", "motivation", "privacy_consent")


class CheckForm(FlaskForm):
    certificate_no = StringField(_l("Certificate number"), validators=[DataRequired()])
    issuing_office = StringField(_l("Issuing police office"), validators=[DataRequired()])
    issued_on = DateField(_l("Date of issue"), validators=[DataRequired()])
    submission = once_field()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class ProfileForm(FlaskForm):
    """What a volunteer offers, edited by themselves (rules: services.registry.profile)."""

    skills = MultiCheckboxField(_l("What you can offer"), choices=need_choices(),
                                validate_choice=False)
    capacity = SelectField(_l("How many children can you support"),
                           choices=options([("1", "1"), ("2", "2"), ("3", "3")]),
                           validate_choice=False)
    max_distance_km = StringField(_l("Furthest you can travel (km)"),
                                  render_kw={"inputmode": "numeric"})
    age_min = StringField(_l("Youngest child age (optional)"),
                          render_kw={"inputmode": "numeric"})
    age_max = StringField(_l("Oldest child age (optional)"),
                          render_kw={"inputmode": "numeric"})
    child_gender = SelectField(_l("Child's gender"), choices=options([
        ("any", _l("No preference")), ("M", _l("Boy")), ("F", _l("Girl"))]),
        validate_choice=False)
    availability = TextAreaField(_l("When are you available"))

    SUMMARY_ORDER = ("skills", "capacity", "max_distance_km", "age_min", "age_max",
                     "child_gender", "availability")


class NewPhoneForm(FlaskForm):
    phone = StringField(_l("New mobile number"),
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why are you leaving? (optional; it helps us)"),
                           validators=[Length(max=500)])
    confirm = BooleanField(_l("I understand that my pairs end and the children will be "
                              "paired with someone else"))
