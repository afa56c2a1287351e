from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from .programmes import FundLine
from .programmes import FundSource
from .programmes import Programme


class AllocationForm(FlaskForm):
    semester = StringField(_l("Semester"), validators=[DataRequired(), Length(max=32)])
    fund_line = SelectField(_l("Fund line"), choices=[SelectChoice(f.value, f.zh) for f in FundLine])
    source = SelectField(_l("Source"), choices=[SelectChoice(s.value, s.zh) for s in FundSource])
    amount = StringField(_l("Amount (10,000 yuan)"), validators=[DataRequired(), Length(max=24)])
    document = StringField(_l("Document number"), validators=[Optional(), Length(max=128)])


class StandardForm(FlaskForm):
    programme = SelectField(_l("Programme"), choices=[SelectChoice(p.value, p.zh) for p in Programme])
    effective_from = StringField(_l("From semester"), validators=[DataRequired(), Length(max=32)])
    tier = IntegerField(_l("Tier"), default=1, validators=[DataRequired(), NumberRange(min=1, max=9)])
    amount = StringField(_l("Yuan per semester"), validators=[DataRequired(), Length(max=24)])
    basis = TextAreaField(_l("Basis"), validators=[Optional(), Length(max=2000)])
