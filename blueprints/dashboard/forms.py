from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from blueprints.forms import labelled
from services.shared.taxonomy import N_

FORMAT_LABELS = {"xlsx": N_("Excel (XLSX)"), "csv": N_("CSV")}


class MonthReportForm(FlaskForm):
    """The month picker of the follow-up report: a download by GET, so no CSRF token."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), validators=[DataRequired()],
                        render_kw={"type": "month", "placeholder": "2026-11"})
    fmt = SelectField(_l("Format"), choices=labelled(FORMAT_LABELS), default="xlsx")
