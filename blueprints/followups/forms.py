from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.forms import labelled, once_field
from services.followups.cases import (
    DEPARTMENTS,
    REPORTER_KINDS,
    RISK_LEVELS,
    STAFF_REPORTERS,
)
from services.followups.contacts import CHILD_MOODS, CONCERN_KINDS, CONTACT_KINDS


class ContactEditForm(FlaskForm):
    contact_date = DateField(_l("Date"), validators=[DataRequired()])
    kind = RadioField(_l("How"), choices=labelled(CONTACT_KINDS), default="call",
                      validators=[InputRequired()])
    duration_minutes = IntegerField(_l("Minutes"), default=20,
                                    validators=[Optional(), NumberRange(0, 1440)],
                                    render_kw={"inputmode": "numeric"})
    child_mood = RadioField(_l("How did the child seem"), choices=labelled(CHILD_MOODS),
                            default="fine", validators=[InputRequired()])
    notes = TextAreaField(_l("Short notes"), validators=[Length(max=2000)])
    school_dropout = BooleanField(_l("The child has stopped going to school"))


class ContactForm(ContactEditForm):
    submission = once_field()
    concern_kind = SelectField(_l("A concern to report (optional)"), default="",
                               choices=labelled(CONCERN_KINDS, _l("No concern")))
    concern_text = TextAreaField(_l("What worries you"), validators=[Length(max=2000)])


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
    ack_hours_immediate = IntegerField(_l("Acknowledge an immediate-danger case within "
                                          "(hours)"), validators=[Optional()])
    ack_hours_other = IntegerField(_l("Acknowledge any other case within (hours)"),
                                   validators=[Optional()])


class ReportForm(FlaskForm):
    """A report (强制报告): by a volunteer about their child, or recorded by a coordinator."""

    submission = once_field()
    immediate_danger = BooleanField(_l("The child is in danger right now"))
    kind = SelectField(_l("What kind of concern"), choices=labelled(CONCERN_KINDS, _l("Choose")))
    text = TextAreaField(_l("What happened"), validators=[Length(max=2000)])
    occurred_on = DateField(_l("When (date)"), validators=[Optional()])
    place = StringField(_l("Where"), validators=[Length(max=200)])
    reporter_kind = RadioField(_l("Who reported it"), default="coordinator",
                               choices=labelled({k: REPORTER_KINDS[k] for k in STAFF_REPORTERS}))
    reporter_name = StringField(_l("Name of the person who told you"),
                                validators=[Length(max=64)])


class AssessForm(FlaskForm):
    risk_level = RadioField(_l("Risk level"), choices=labelled(RISK_LEVELS))
    plan = TextAreaField(_l("Plan (short)"), validators=[Length(max=2000)])
    next_review_on = DateField(_l("Next review"), validators=[Optional()])


class ReferralForm(FlaskForm):
    referred_on = DateField(_l("Referred on"), validators=[Optional()])
    department = SelectField(_l("Department"), choices=labelled(DEPARTMENTS, _l("Choose")))
    contact_name = StringField(_l("Contact person"), validators=[Length(max=64)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=20)],
                                render_kw={"inputmode": "tel"})
    request = TextAreaField(_l("What was asked"), validators=[Length(max=2000)])
    guardianship_intervention = BooleanField(_l("Guardianship intervention (监护干预)"))


class OutcomeForm(FlaskForm):
    outcome = TextAreaField(_l("Outcome"), validators=[Length(max=2000)])
    outcome_on = DateField(_l("Known on"), validators=[Optional()])


class CloseForm(FlaskForm):
    outcome = TextAreaField(_l("Outcome"), validators=[Length(max=2000)])
    close_reason = TextAreaField(_l("Why the case can be closed"), validators=[Length(max=2000)])
