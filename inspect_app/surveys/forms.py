from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from ..core.forms import IsoDateField
from ..core.forms import date_required
from .interviews import MAX_MINIMUM
from .interviews import MAX_NOTE
from .interviews import MAX_SAMPLE
from .interviews import MAX_SEED
from .models import AUDIENCE_LABELS
from .models import OUTCOME_LABELS
from .models import Audience
from .models import CallOutcome
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


class DrawForm(FlaskForm):
    """The telephone sample of a round: from which roster check, how many, the floor per stratum, the seed."""

    run_id = SelectField(_l("Roster check (the sampling frame)"), coerce=int, validate_choice=True)
    size = IntegerField(_l("Sample size"), validators=[InputRequired(), NumberRange(min=1, max=MAX_SAMPLE)],
                        default=200)
    minimum = IntegerField(_l("Minimum per stratum"), validators=[InputRequired(), NumberRange(min=0, max=MAX_MINIMUM)],
                           default=2, description=_l("A stratum is a school's 学段, recipients or non-recipients."))
    seed = IntegerField(_l("Seed"), validators=[Optional(), NumberRange(min=0, max=MAX_SEED)],
                        description=_l("Blank: a new random seed. The same seed and roster give the same sample."))


class CallForm(FlaskForm):
    """What came of one call; a completed interview's answers are the questionnaire's fields beside it."""

    outcome = RadioField(_l("Call outcome"), validators=[InputRequired()],
                         choices=[SelectChoice(o.value, OUTCOME_LABELS[o]) for o in CallOutcome
                                  if o != CallOutcome.PENDING])
    audience = SelectField(_l("Questionnaire"), choices=[SelectChoice(a.value, AUDIENCE_LABELS[a]) for a in Audience],
                           validators=[Optional()], validate_choice=True)
    note = TextAreaField(_l("Note on the call"), validators=[Optional(), Length(max=MAX_NOTE)])
