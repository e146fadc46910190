from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from blueprints.forms import MultiCheckboxField, labelled, need_choices, once_field, region_field
from services.shared import taxonomy


class ChildForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    gender = SelectField(_l("Gender"), choices=labelled(taxonomy.GENDERS))
    birth_date = DateField(_l("Birth date"), validators=[DataRequired()])
    id_number = StringField(_l("Resident ID number (optional)"), validators=[Optional()],
                            render_kw={"autocomplete": "off"})
    region_code = region_field()
    township = StringField(_l("Township and village"), validators=[Length(max=128)])
    latitude = DecimalField(_l("Latitude (optional)"), places=None, validators=[Optional()])
    longitude = DecimalField(_l("Longitude (optional)"), places=None, validators=[Optional()])
    category = SelectField(_l("Category"), choices=labelled(taxonomy.CATEGORIES))
    sub_type = SelectField(_l("Situation"), default="", choices=labelled(taxonomy.SUB_TYPES, ""))
    hukou_region_code = StringField(
        _l("County of household registration (migrant children only)"),
        validators=[Optional(), Regexp(r"^\d{6}$", message=_l(
            "Pick a county, or type its 6-digit code."))],
        # anywhere in China: the family's home county, not the coordinator's
        render_kw={"data-region-picker": "anywhere", "inputmode": "numeric"})
    needs = MultiCheckboxField(_l("Needs"), choices=need_choices())
    priority = SelectField(_l("Priority"), choices=labelled(taxonomy.PRIORITIES),
                           default="normal")
    guardian_name = StringField(_l("Guardian's name"), validators=[DataRequired()])
    guardian_relation = SelectField(_l("Guardian's relation"),
                                    choices=labelled(taxonomy.GUARDIAN_RELATIONS))
    guardian_phone = StringField(_l("Guardian's mobile number"), validators=[DataRequired()],
                                 render_kw={"inputmode": "tel"})
    school = StringField(_l("School"), validators=[Length(max=128)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])


class NewChildForm(ChildForm):
    submission = once_field()
    consent_given = BooleanField(_l("The guardian has given consent"))
    consent_given_by = StringField(_l("Consent given by"))
    consent_method = SelectField(_l("How consent was given"), default="",
                                 choices=labelled(taxonomy.RECORDABLE_CONSENT_METHODS, ""))
    consent_given_on = DateField(_l("Date of consent"), validators=[Optional()])


class LeavingForm(FlaskForm):
    left_on = DateField(_l("Left the programme on"), validators=[DataRequired()])
    reason = StringField(_l("Why (moved away, grew up...)"), validators=[DataRequired(),
                                                                        Length(max=128)])


class ConsentForm(FlaskForm):
    given_by = StringField(_l("Consent given by"), validators=[DataRequired()])
    relation = SelectField(_l("Relation to the child"),
                           choices=labelled(taxonomy.GUARDIAN_RELATIONS))
    method = SelectField(_l("How consent was given"),
                         choices=labelled(taxonomy.RECORDABLE_CONSENT_METHODS))
    given_on = DateField(_l("Date of consent"), validators=[DataRequired()])
