from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from ..core.forms import IsoDateField
from ..core.forms import date_required
from .services import MAX_COLLECTOR
from .services import MAX_FRAME
from .services import MAX_SIZE
from .services import MAX_TITLE


class RoundForm(FlaskForm):
    """A new survey round on a campaign."""

    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=MAX_TITLE)])
    opens_on = IsoDateField(_l("Opens on"), validators=[date_required])
    closes_on = IsoDateField(_l("Closes on"), validators=[date_required])
    student_version_id = SelectField(_l("Students' questionnaire"), coerce=int, validate_choice=True)
    parent_version_id = SelectField(_l("Parents' questionnaire"), coerce=int, validate_choice=True)
    sampling_frame = TextAreaField(_l("Sampling frame (who can be drawn, and how)"),
                                   validators=[InputRequired(), Length(max=MAX_FRAME)])
    target_size = IntegerField(_l("Target sample per school"),
                               validators=[InputRequired(), NumberRange(min=1, max=MAX_SIZE)])
    min_size = IntegerField(_l("Minimum sample per school"),
                            validators=[InputRequired(), NumberRange(min=1, max=MAX_SIZE)])
    collector = StringField(_l("Collector (surveyor or organising unit)"),
                            validators=[InputRequired(), Length(max=MAX_COLLECTOR)])
    knowledge_threshold = IntegerField(_l("Core questions right to count as aware"),
                                       validators=[Optional(), NumberRange(min=1, max=50)], default=2)


class DatesForm(FlaskForm):
    opens_on = IsoDateField(_l("Opens on"), validators=[date_required])
    closes_on = IsoDateField(_l("Closes on"), validators=[date_required])
