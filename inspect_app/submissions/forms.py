from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from .models import KIND_LABELS
from .models import SubmissionKind


class SubmitForm(FlaskForm):
    """Send one finished report for one period (the choice of report is checked against the period by the
    service: the page offers only the city's finished reports of that kind and period)."""

    kind = SelectField(_l("Report"), validate_choice=True,
                       choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in SubmissionKind])
    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=32)])
    job_id = IntegerField(_l("Document"), validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Reason for returning"), validators=[DataRequired(), Length(max=500)])


class AcceptForm(FlaskForm):
    pass
