from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp


class ImportForm(FlaskForm):
    file = FileField(_l("Workbook (.xlsx)"), validators=[FileRequired()])


class CountyForm(FlaskForm):
    name = StringField(_l("County name"), validators=[DataRequired(), Length(max=32)])
    code = StringField(_l("Division code"),
                       validators=[Optional(), Length(max=6), Regexp(r"^[0-9]{6}$", message=_l("Six digits."))])
