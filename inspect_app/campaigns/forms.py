from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=128)],
                       description=_l("For example 2026年春季学期学生资助工作交叉检查"))
    code = StringField(_l("Short code"), validators=[
        DataRequired(), Regexp(r"^[A-Za-z0-9][A-Za-z0-9_\-]{1,31}$",
                               message=_l("2–32 letters, digits, dashes or underscores."))])
    term = StringField(_l("Term"), validators=[DataRequired(), Length(max=32)],
                       description=_l("For example 2026年春季学期"))
    checklist_version_id = SelectField(_l("Checklist"), coerce=int, validators=[DataRequired()])
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    default_due_on = DateField(_l("Default rectification deadline"), validators=[DataRequired()])
    cross_county = BooleanField(_l("Cross-inspection: inspectors never visit schools of their own county"),
                                default=True)


class AssignForm(FlaskForm):
    inspector_id = SelectField(_l("Inspector"), coerce=int, validators=[DataRequired()])
    planned_on = DateField(_l("Visit date"), validators=[Optional()])
