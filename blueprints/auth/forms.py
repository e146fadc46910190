from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


class LoginForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired()],
                        render_kw={"autocomplete": "username", "inputmode": "tel"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8)],
                        render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=64)])
    days = IntegerField(_l("Valid for (days)"), default=90,
                        validators=[DataRequired(), NumberRange(1, 365)])


class CodeForm(FlaskForm):
    code = StringField(_l("Code from the SMS"), validators=[DataRequired(), Length(max=6)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ResetRequestForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired()],
                        render_kw={"autocomplete": "username", "inputmode": "tel"})


class ResetForm(FlaskForm):
    code = StringField(_l("Code from the SMS"), validators=[DataRequired(), Length(max=6)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8)],
                        render_kw={"autocomplete": "new-password"})
