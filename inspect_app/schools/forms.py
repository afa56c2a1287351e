from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import SelectField
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


class CityForm(FlaskForm):
    """A city (地级市) of the province, with the issuing office of its documents."""

    name = StringField(_l("City name"), validators=[DataRequired(), Length(max=32)])
    org_name = StringField(_l("Issuing office"), validators=[DataRequired(), Length(max=64)],
                           description=_l("As its documents are signed, e.g. 西安市学生资助管理中心."))
    code = StringField(_l("Division code"),
                       validators=[Optional(), Length(max=6), Regexp(r"^[0-9]{6}$", message=_l("Six digits."))])


class RegionCountyForm(CountyForm):
    """A county added to a chosen city."""

    city_id = SelectField(_l("City"), coerce=int, validate_choice=True)
