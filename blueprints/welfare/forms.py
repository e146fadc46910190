from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from blueprints.forms import labelled, region_field
from services.followups.welfare_contacts import WELFARE_ROLES


class LocalContactForm(FlaskForm):
    role = SelectField(_l("Role"), choices=labelled(WELFARE_ROLES))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("Mobile number"), validators=[DataRequired()],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})


class TownshipContactForm(LocalContactForm):
    region_code = region_field()
    township = StringField(_l("Township"), validators=[DataRequired(), Length(max=128)])
