from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from ..core.inputs import MAX_ID
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import SchoolLevel
from .lifecycle import parse_days_off
from .models import Campaign
from .models import VisitStatus


class DaysOffField(TextAreaField):
    """Dates and ranges of days without visits, as typed; ``days`` holds them read as dates."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.days: list[date] = []

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        super().process_formdata(valuelist)
        try:
            self.days = parse_days_off(self.data)
        except ValidationFailed as err:
            raise ValueError(err.message) from err


class CampaignDetailsForm(FlaskForm):
    """What can still change once a campaign exists."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=128)],
                       description=_l("For example 2026年春季学期学生资助工作交叉检查"))
    term = StringField(_l("Term"), validators=[DataRequired(), Length(max=32)],
                       description=_l("For example 2026年春季学期"))
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    default_due_on = DateField(_l("Default rectification deadline"), validators=[DataRequired()])
    visits_per_day = IntegerField(_l("Schools a team visits a day"), default=2,
                                  validators=[Optional(), NumberRange(min=1, max=6)])
    days_off = DaysOffField(
        _l("Days without visits"), validators=[Optional(), Length(max=4000)],
        description=_l("Holidays, exams and the like: one date or range per line, for example 2027-04-05 or "
                       "2027-05-01 至 2027-05-05. Weekends are always free; the planner schedules no visit "
                       "on these days."),
        render_kw={"rows": 3})

    def validate(self, extra_validators: t.Any = None) -> bool:
        """Every field's own checks, then those between the dates: all the errors at once, each on its field."""
        valid = super().validate(extra_validators)
        starts, ends, due = self.starts_on.data, self.ends_on.data, self.default_due_on.data
        if starts and ends and ends < starts:
            self.ends_on.errors.append(gettext("The campaign cannot end before it starts."))
        if starts and due and due < starts:
            self.default_due_on.errors.append(
                gettext("The rectification deadline cannot fall before the campaign starts."))
        if not self.days_off.errors:
            outside = [d for d in self.days_off.days if (starts and d < starts) or (ends and d > ends)]
            if outside:
                self.days_off.errors.append(gettext(
                    "Day off %(date)s lies outside the campaign (%(start)s – %(end)s).",
                    date=outside[0].isoformat(), start=starts or "", end=ends or ""))
        return valid and not any(f.errors for f in self)


class CampaignForm(CampaignDetailsForm):
    code = StringField(_l("Short code"), validators=[
        DataRequired(), Length(max=32), Regexp(r"^[A-Za-z0-9][A-Za-z0-9_\-]{1,31}$",
                               message=_l("2–32 letters, digits, dashes or underscores."))])
    checklist_version_id = SelectField(_l("Checklist"), coerce=int, validators=[DataRequired()])
    cross_county = BooleanField(_l("Cross-inspection: inspectors never visit schools of their own county"),
                                default=True)
    # Shown to administrators and the province's staff: "province", or "city-ID" for a city's campaign.
    region = SelectField(_l("Run by"), validate_choice=False, validators=[Optional(), Length(max=16)],
                         description=_l("A province campaign samples, teams and plans across the cities; in its "
                                        "cross-inspection nobody inspects a school of their own city."))

    def validate_code(self, field: StringField) -> None:
        code = (field.data or "").strip()
        if code and db.session.scalar(sa.select(Campaign.id).where(Campaign.code == code)) is not None:
            raise ValidationError(gettext("The campaign code “%(code)s” is taken.", code=code))


class AssignForm(FlaskForm):
    inspector_id = SelectField(_l("Inspector"), coerce=int, validators=[DataRequired()])
    planned_on = DateField(_l("Visit date"), validators=[Optional()])


class DayField(StringField):
    """A day typed as YYYY-MM-DD; ``day`` holds it, None when left empty."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.day: date | None = None

    def process_formdata(self, valuelist: list[t.Any]) -> None:
        super().process_formdata(valuelist)
        raw = (self.data or "").strip()
        self.day = None
        if raw:
            try:
                self.day = date.fromisoformat(raw)
            except ValueError as exc:
                raise ValueError(gettext("“%(v)s” is not a date.", v=raw)) from exc


class VisitBatchForm(FlaskForm):
    """The bar above the visits tab: the ticked visits and what to do with them (``action``)."""

    class Meta:
        csrf = False  # the POST is checked by the app-wide CSRF protection

    visit_id = SelectMultipleField(coerce=int, validate_choice=False)
    action = StringField(validators=[Length(max=32)])
    planned_on = DayField(validators=[Length(max=10)])
    team_id = IntegerField(validators=[Optional()])
    inspector_id = IntegerField(validators=[Optional()])


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (touch-friendly, no script needed)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(FlaskForm):
    """A list page's search (GET): words and a county; a county that is no number searches all of them."""

    class Meta:
        csrf = False  # a search; the POSTs are checked by the app-wide CSRF protection

    q = StringField(filters=[lambda v: v.strip() if v else v], validators=[Length(max=200)])
    county = IntegerField(validators=[Optional()])

    @property
    def county_id(self) -> int | None:
        value = self.county.data
        return value if value is not None and 0 < value <= MAX_ID else None


class SchoolSearchForm(SearchForm):
    """The search on the add-schools page; an unknown level searches all of them."""

    level = StringField(validators=[Optional(), Length(max=32)])

    @property
    def school_level(self) -> SchoolLevel | None:
        value = self.level.data
        return SchoolLevel(value) if value in {lvl.value for lvl in SchoolLevel} else None


class VisitFilterForm(SearchForm):
    """The filters of the visits tab: county, status and visits without an inspector."""

    status = StringField(validators=[Length(max=32)])
    unassigned = StringField(validators=[Length(max=8)])

    @property
    def visit_status(self) -> VisitStatus | None:
        value = self.status.data
        return VisitStatus(value) if value in {s.value for s in VisitStatus} else None


class AddSchoolsForm(SchoolSearchForm):
    """The ticked schools, or every school the search finds (``all_matching``), with the search they came from."""

    school_id = SelectMultipleField(coerce=int, validate_choice=False)
    all_matching = BooleanField()


class SampleForm(FlaskForm):
    size = IntegerField(_l("Number of schools"), validators=[Optional(), NumberRange(min=1, max=100_000)],
                        description=_l("Leave empty to take every school matching the filters."))
    seed = IntegerField(_l("Seed"), validators=[InputRequired(), NumberRange(min=0, max=2_147_483_647)],
                        description=_l("The same seed draws the same schools: it shows how the sample was drawn."))
    minimum = IntegerField(_l("At least per county and level"), default=1,
                           validators=[InputRequired(), NumberRange(min=0, max=100)])
    counties = MultiCheckboxField(_l("Counties"), coerce=int, validate_choice=False)
    levels = MultiCheckboxField(_l("Levels"), validate_choice=False)
    include = TextAreaField(_l("Always include (school codes)"), validators=[Optional(), Length(max=20_000)])
    exclude = TextAreaField(_l("Exclude (school codes)"), validators=[Optional(), Length(max=20_000)])
    include_open_problems = BooleanField(_l("Always include schools with problems not yet closed (销号) from earlier "
                                            "campaigns"))


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=64)],
                       description=_l("For example 第一检查组"))
    leader_id = SelectField(_l("Leader"), coerce=int, validators=[DataRequired()])
    member_ids = MultiCheckboxField(_l("Members"), coerce=int, validate_choice=False)


class AutoAssignForm(FlaskForm):
    per_day = IntegerField(_l("Schools a team visits a day"), validators=[InputRequired(), NumberRange(min=1, max=6)])
    replan = BooleanField(_l("Re-plan visits not started"),
                          description=_l("Also move visits that have a team but have not started."))


class FormTeamsForm(FlaskForm):
    size = IntegerField(_l("Members per team"), default=3, validators=[InputRequired(), NumberRange(min=2, max=8)])


class ConflictForm(FlaskForm):
    inspector_id = SelectField(_l("Inspector"), coerce=int, validators=[DataRequired()])
    school_code = StringField(_l("School code"), validators=[DataRequired(), Length(max=10)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)],
                         description=_l("For example 配偶在该校任教"))


class UploadForm(FlaskForm):
    file = FileField(_l("Workbook (.xlsx)"), validators=[FileRequired()])
