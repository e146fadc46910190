from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from blueprints.forms import MultiCheckboxField, labelled, need_choices, region_field
from services.shared import taxonomy


class PhoneForm(FlaskForm):
    phone = StringField(_l("Your mobile number"), validators=[DataRequired()],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})


class CodeForm(FlaskForm):
    code = StringField(_l("Code from the SMS"), validators=[DataRequired(), Length(max=6)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ApplicationForm(FlaskForm):
    applicant_name = StringField(_l("Your full name"), validators=[DataRequired(),
                                                                   Length(max=64)])
    applicant_relation = SelectField(_l("You are the child's"),
                                     choices=labelled(taxonomy.GUARDIAN_RELATIONS))
    child_name = StringField(_l("The child's full name"), validators=[DataRequired(),
                                                                      Length(max=64)])
    child_gender = SelectField(_l("The child's gender"), choices=labelled(taxonomy.GENDERS))
    child_birth_date = DateField(_l("The child's birth date"), validators=[DataRequired()])
    region_code = region_field(_l("County where the child lives now"))
    township = StringField(_l("Township and village (optional)"),
                           validators=[Length(max=128)])
    category = SelectField(_l("Which describes the child best"),
                           choices=labelled(taxonomy.CATEGORIES))
    sub_type = SelectField(_l("Situation"), default="",
                           choices=labelled(taxonomy.SUB_TYPES, ""))
    hukou_region_code = StringField(
        _l("County of household registration (migrant children only)"),
        validators=[Optional(), Regexp(r"^\d{6}$", message=_l(
            "Pick a county, or type its 6-digit code."))],
        render_kw={"data-region-picker": "1", "inputmode": "numeric"})
    needs = MultiCheckboxField(_l("What help the child needs"), choices=need_choices())
    situation = TextAreaField(_l("The family's situation, in a few sentences"),
                              validators=[DataRequired(), Length(max=1000)])
    consent = BooleanField(_l("I have read the notice and, as the child's guardian, I "
                              "consent to the use of this information as it says"))
    signature = StringField(_l("Sign: type your full name again"),
                            validators=[DataRequired(), Length(max=64)])


class StatusForm(FlaskForm):
    reference = StringField(_l("Reference from the SMS"), validators=[
        DataRequired(), Length(max=12)], render_kw={"autocapitalize": "characters"})
    phone = StringField(_l("The mobile number you applied with"),
                        validators=[DataRequired()],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
