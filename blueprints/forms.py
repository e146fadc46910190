"""Form pieces several blueprints use."""

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Regexp

from services.shared import taxonomy


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def need_choices():
    return labelled(taxonomy.NEEDS)


def labelled(choices: dict, blank: str | None = None):
    """Options from a code → message-id table, with an optional blank first option."""
    items = [(code, _l(label)) for code, label in choices.items()]
    return options([("", blank)] + items if blank is not None else items)


def region_field(label=None):
    """The county code; the page's cascade of province → city → county selects fills it."""
    return StringField(label or _l("County (6-digit code)"),
                       validators=[DataRequired(), Regexp(r"^\d{6}$", message=_l(
                           "Pick a county, or type its 6-digit code."))],
                       render_kw={"data-region-picker": "1", "inputmode": "numeric"})


def once_field():
    """A hidden one-time token, new each time the form is shown (services.access.submissions)."""
    return HiddenField(default=lambda: secrets.token_urlsafe(24))


class UploadForm(FlaskForm):
    file = FileField(_l("Ledger file (CSV or XLSX)"), validators=[FileRequired()])
    submission = once_field()


class ActionForm(FlaskForm):
    """A bare form: a button that posts with a CSRF token."""
