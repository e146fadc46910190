from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.forms import labelled, once_field
from services.followups.contacts import CHILD_MOODS, CONCERN_KINDS, CONTACT_KINDS


class ContactForm(FlaskForm):
    submission = once_field()
    contact_date = DateField(_l("Date"), validators=[DataRequired()])
    kind = RadioField(_l("How"), choices=labelled(CONTACT_KINDS), default="call",
                      validators=[InputRequired()])
    duration_minutes = IntegerField(_l("Minutes"), default=20,
                                    validators=[Optional(), NumberRange(0, 1440)],
                                    render_kw={"inputmode": "numeric"})
    child_mood = RadioField(_l("How did the child seem"), choices=labelled(CHILD_MOODS),
                            default="fine", validators=[InputRequired()])
    notes = TextAreaField(_l("Short notes"), validators=[Length(max=2000)])
    concern_kind = SelectField(_l("A concern to report (optional)"), default="",
                               choices=labelled(CONCERN_KINDS, _l("No concern")))
    concern_text = TextAreaField(_l("What worries you"), validators=[Length(max=2000)])


class ActionForm(FlaskForm):
    action = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=2000)])


class OptOutForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired()])
    note = StringField(_l("Why"), validators=[Length(max=200)])


class SettingsForm(FlaskForm):
    contact_interval_days = IntegerField(_l("A call or video every (days)"),
                                         validators=[InputRequired()])
    visit_interval_days = IntegerField(_l("A home visit every (days)"),
                                       validators=[InputRequired()])
    second_reminder_days = IntegerField(_l("Second reminder after (days overdue)"),
                                        validators=[InputRequired()])
    local_contact_days = IntegerField(_l("Tell the local child-welfare contact after "
                                         "(days overdue)"), validators=[InputRequired()])
    escalation_days = IntegerField(_l("Tell the coordinators after (days overdue)"),
                                   validators=[InputRequired()])
    quiet_start = IntegerField(_l("No SMS from (hour)"), validators=[InputRequired()])
    quiet_end = IntegerField(_l("No SMS until (hour)"), validators=[InputRequired()])
    check_validity_months = IntegerField(_l("A background check counts for (months)"),
                                         validators=[Optional()])
