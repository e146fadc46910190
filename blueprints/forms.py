"""Form pieces several blueprints use."""

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Regexp

from extensions import db
from services import region_names
from services.regions import region_tree
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


def typed_region(value):
    """A region typed as a code or a name, full-width or not, as its 6-digit code; text
    that names no single region is left for the validator to refuse."""
    if not value:
        return value
    code, _ = region_names.resolve_one(region_tree(db.session), value)
    return code or region_names.normalise(value)


def region_field(label=None):
    """The county code; the page's cascade of province → city → county selects fills it,
    or a person types a code or a name (services.region_names)."""
    return StringField(label or _l("County (name or 6-digit code)"), filters=[typed_region],
                       validators=[DataRequired(), Regexp(r"^\d{6}$", message=_l(
                           "Pick a county, or type its name or 6-digit code."))],
                       render_kw={"data-region-picker": "1", "autocomplete": "off"})


def once_field():
    """A hidden one-time token, new each time the form is shown (services.access.submissions)."""
    return HiddenField(default=lambda: secrets.token_urlsafe(24))


class UploadForm(FlaskForm):
    file = FileField(_l("Ledger file (.xlsx, .xls, .ods or CSV)"), validators=[FileRequired()])
    submission = once_field()


class ActionForm(FlaskForm):
    """A bare form: a button that posts with a CSRF token."""
