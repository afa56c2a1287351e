from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional

from .models import ROLE_LABELS


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Stay logged in on this device"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=256)])
    repeat = PasswordField(_l("Repeat the new password"),
                           validators=[DataRequired(), Length(max=256),
                                       EqualTo("new", message=_l("The two passwords differ."))])


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=3, max=64)])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    city_id = SelectField(_l("City"), coerce=int, validators=[Optional()],
                          description=_l("Supervisors and viewers: leave city and county empty for the whole "
                                         "province, the county empty for the whole city."))
    county_id = SelectField(_l("County"), coerce=int, validators=[Optional()],
                            description=_l("Supervisors and viewers: leave empty for the whole city. "
                                           "Inspectors: their home county."))
    school_code = StringField(_l("School code"), validators=[Optional(), Length(max=10)],
                              description=_l("School contacts only: the school's 10-digit national code."))
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=32)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=256)])


class ActiveForm(FlaskForm):
    """An admin's activate or deactivate button on the list of accounts."""

    active = SelectField(_l("Active"), choices=[SelectChoice("1", _l("Activate")), SelectChoice("0", _l("Deactivate"))],
                         validators=[DataRequired()])
