from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from ..core.forms import IsoDateField
from ..core.forms import date_required
from .models import OUTCOME_LABELS
from .models import ObjectionOutcome


class NoticeForm(FlaskForm):
    run_id = SelectField(_l("Checked roster"), coerce=int, validate_choice=True)
    school_id = SelectField(_l("School"), coerce=int, validate_choice=True)
    starts_on = IsoDateField(_l("公示 from"), validators=[date_required])
    ends_on = IsoDateField(_l("公示 until"), validators=[date_required],
                           description=_l("At least five working days (Monday to Friday), both days counted."))
    contact_name = StringField(_l("Contact for objections"), validators=[DataRequired(), Length(max=64)])
    contact_phone = StringField(_l("Phone for objections"), validators=[DataRequired(), Length(max=32)])
    payment_date = IsoDateField(_l("Payment date (for the cards)"),
                                description=_l("Leave blank to print “within the semester”."))


class ObjectionForm(FlaskForm):
    received_on = IsoDateField(_l("Received on"), validators=[date_required])
    raised_by = StringField(_l("From (optional)"), validators=[Optional(), Length(max=64)])
    content = TextAreaField(_l("Objection"), validators=[DataRequired(), Length(max=1000)])


class HandlingForm(FlaskForm):
    handling = TextAreaField(_l("How it was handled"), validators=[DataRequired(), Length(max=1000)])
    outcome = SelectField(_l("Outcome"), validate_choice=True,
                          choices=[SelectChoice(o.value, OUTCOME_LABELS[o]) for o in ObjectionOutcome])
