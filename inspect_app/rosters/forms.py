from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

ACCEPT = ".xlsx,.xls,.csv"


class NewRunForm(FlaskForm):
    semester = StringField(_l("Semester"), validators=[DataRequired(), Length(max=32)],
                           description=_l("For example 2023春 or 2023年秋季学期."))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=128)])
    county_id = SelectField(_l("Rosters of"), coerce=int, validate_choice=True)
    campaign_id = SelectField(_l("Findings go to the visits of"), coerce=int, validate_choice=True)
    roster = FileField(_l("Disbursement roster (发放花名册)"), validators=[FileRequired()])
    system = FileField(_l("National system export"))
    enrolment = FileField(_l("Enrolment list (学籍)"))
    special = MultipleFileField(_l("Special-group lists (脱贫, 低保, 特困, 孤儿, 残疾)"))
    special_group = SelectField(_l("Group of these lists"), validate_choice=True)
    reported = FileField(_l("Figures the schools reported"),
                         description=_l("School, programme, headcount, amount. Without it, the payments recorded "
                                        "in the funds ledger for the semester are used."))


class RaiseFindingsForm(FlaskForm):
    """The discrepancies ticked on a run's page, raised as findings on the visits of one campaign."""

    campaign_id = IntegerField(_l("Campaign"), validators=[Optional()])
    # The run's own discrepancies are looked up by the view; ids of other runs find nothing.
    discrepancy = SelectMultipleField(_l("Discrepancies"), coerce=int, validate_choice=False)
