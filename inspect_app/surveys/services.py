"""Survey rounds: questionnaires imported as XLSForms, rounds per campaign, answers and their rates."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import typing as t
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..audit import services as audit
from ..campaigns.models import Campaign
from ..campaigns.models import Visit
from ..checklists import services as checklist_services
from ..checklists import xlsform_convert
from ..checklists import xlsform_import
from ..checklists.models import ChecklistVersion
from ..checklists.models import FormKind
from ..checklists.models import ItemType
from ..checklists.models import VersionStatus
from ..db import local_today
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import School
from . import rates as maths
from .models import Audience
from .models import SurveyAddressCount
from .models import SurveyLink
from .models import SurveyResponse
from .models import SurveyRound
from .models import SurveyWay

if t.TYPE_CHECKING:
    from ..auth.models import User

# The question types a questionnaire may use: what a phone page shows without scripts.
SURVEY_TYPES = (ItemType.NOTE, ItemType.SELECT_ONE, ItemType.SELECT_MULTIPLE, ItemType.TEXT, ItemType.INTEGER)
# Logic a page without scripts cannot follow.
SURVEY_LOGIC = ("relevant", "constraint", "required", "calculate", "choice_filter", "readonly")
MAX_TEXT = 500
MAX_INTEGER_DIGITS = 9
MAX_TITLE = 128
MAX_FRAME = 2000
MAX_COLLECTOR = 128
MAX_SIZE = 100_000
# Answers one network address may send to one round per hour (a school's wifi serves a whole class).
ADDRESS_WINDOW = timedelta(hours=1)
DEFAULT_PER_ADDRESS = 60


class Refused(Exception):
    """An answer the round does not take: closed, already answered from this phone, or too many."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


# --- questionnaires -------------------------------------------------------------------------------


def check_questionnaire(parsed: xlsform_import.ParsedChecklist) -> None:
    """Refuse a form that cannot serve as a questionnaire, naming the question."""
    for item in parsed.items:
        if item.type not in SURVEY_TYPES or item.repeat:
            raise ValidationFailed(_("Question “%(name)s”: a questionnaire cannot use questions of type “%(type)s”.",
                                     name=item.name, type=item.type.value))
        logic = [k for k in SURVEY_LOGIC if k in (item.logic or {})]
        if logic:
            raise ValidationFailed(_("Question “%(name)s”: a questionnaire cannot use the “%(col)s” column.",
                                     name=item.name, col=logic[0]))
        if item.correct_values and item.type != ItemType.SELECT_ONE:
            raise ValidationFailed(_("Question “%(name)s”: only a single-choice question can have a correct answer.",
                                     name=item.name))
    if not any(item.correct_values for item in parsed.items):
        raise ValidationFailed(_("A questionnaire needs at least one knowledge question with its “correct” answer."))
    if any(section.relevant for section in parsed.sections):
        raise ValidationFailed(_("A questionnaire cannot use the “%(col)s” column.", col="relevant"))


def import_survey(data: bytes, *, filename: str, actor: User | None,
                  publish: bool = False) -> tuple[ChecklistVersion, bool]:
    """Import a questionnaire (an XLSForm) through the checklist import, as a questionnaire."""
    check_questionnaire(xlsform_import.parse(xlsform_convert.convert_form(data, filename)))
    return checklist_services.import_checklist(data, filename=filename, actor=actor, publish=publish,
                                               kind=FormKind.SURVEY)


def load_default_surveys(*, actor: User | None, publish: bool = True) -> list[ChecklistVersion]:
    """Import the shipped questionnaires (forms/surveys/*.xlsx)."""
    directory = Path(current_app.config["FORMS_DIR"]) / "surveys"
    return [import_survey(path.read_bytes(), filename=path.name, actor=actor, publish=publish)[0]
            for path in sorted(directory.glob("*.xlsx"))]


def survey_versions() -> list[ChecklistVersion]:
    return checklist_services.published_versions(FormKind.SURVEY)


def questionnaire(version: ChecklistVersion) -> maths.Questionnaire:
    correct = {i.name: frozenset(i.correct_values) for i in version.items if i.correct_values}
    satisfaction = tuple(i.name for i in version.items
                         if i.type == ItemType.SELECT_ONE and set(maths.SCALE) <= {c["name"] for c in i.choices or []})
    return maths.Questionnaire(correct=correct, satisfaction=satisfaction)


# --- rounds ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundDetails:
    title: str
    opens_on: date
    closes_on: date
    student_version: ChecklistVersion | None
    parent_version: ChecklistVersion | None
    sampling_frame: str
    target_size: int
    min_size: int
    collector: str
    knowledge_threshold: int = 2


def _check_details(d: RoundDetails) -> None:
    if not d.title.strip() or len(d.title) > MAX_TITLE:
        raise ValidationFailed(_("A survey round needs a title of at most %(n)d characters.", n=MAX_TITLE))
    if d.closes_on < d.opens_on:
        raise ValidationFailed(_("The survey cannot close before it opens."))
    if not d.sampling_frame.strip() or len(d.sampling_frame) > MAX_FRAME:
        raise ValidationFailed(_("Describe the sampling frame in at most %(n)d characters.", n=MAX_FRAME))
    if not d.collector.strip() or len(d.collector) > MAX_COLLECTOR:
        raise ValidationFailed(_("Name the collector in at most %(n)d characters.", n=MAX_COLLECTOR))
    if not (1 <= d.min_size <= d.target_size <= MAX_SIZE):
        raise ValidationFailed(_("The sample sizes must satisfy 1 ≤ minimum ≤ target ≤ %(n)d.", n=MAX_SIZE))
    versions = [v for v in (d.student_version, d.parent_version) if v is not None]
    if not versions:
        raise ValidationFailed(_("Choose the students' or the parents' questionnaire, or both."))
    for version in versions:
        if version.status != VersionStatus.PUBLISHED or version.checklist.kind != FormKind.SURVEY:
            raise ValidationFailed(_("Only a published questionnaire can be used."))
        cores = len(questionnaire(version).correct)
        if not 1 <= d.knowledge_threshold <= cores:
            raise ValidationFailed(_("The knowledge threshold must lie between 1 and %(n)d, the core questions of "
                                     "“%(title)s”.", n=cores, title=version.display_title))


def campaign_schools(campaign: Campaign) -> list[School]:
    stmt = (sa.select(School).where(School.id.in_(sa.select(Visit.school_id).where(Visit.campaign_id == campaign.id)))
            .order_by(School.county_id, School.code))
    return list(db.session.scalars(stmt))


def create_round(campaign: Campaign, details: RoundDetails, *, actor: User | None) -> SurveyRound:
    """Open a round on a campaign's schools, with a public link per school."""
    _check_details(details)
    schools = campaign_schools(campaign)
    if not schools:
        raise ValidationFailed(_("The campaign has no schools yet."))
    survey = SurveyRound(
        campaign=campaign, title=details.title.strip(), opens_on=details.opens_on, closes_on=details.closes_on,
        student_version=details.student_version, parent_version=details.parent_version,
        sampling_frame=details.sampling_frame.strip(), target_size=details.target_size, min_size=details.min_size,
        collector=details.collector.strip(), knowledge_threshold=details.knowledge_threshold,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(survey)
    for school in schools:
        db.session.add(SurveyLink(round=survey, school_id=school.id, token=secrets.token_urlsafe(12)))
    db.session.flush()
    audit.record(actor, "survey_round.create", survey, after={
        "title": survey.title, "opens_on": survey.opens_on, "closes_on": survey.closes_on,
        "student_version_id": survey.student_version_id, "parent_version_id": survey.parent_version_id,
        "sampling_frame": survey.sampling_frame, "target_size": survey.target_size, "min_size": survey.min_size,
        "collector": survey.collector, "knowledge_threshold": survey.knowledge_threshold, "schools": len(schools),
    })
    return survey


def change_dates(survey: SurveyRound, opens_on: date, closes_on: date, *, actor: User | None) -> None:
    if closes_on < opens_on:
        raise ValidationFailed(_("The survey cannot close before it opens."))
    before = {"opens_on": survey.opens_on, "closes_on": survey.closes_on}
    survey.opens_on, survey.closes_on = opens_on, closes_on
    audit.record(actor, "survey_round.dates", survey, before=before,
                 after={"opens_on": opens_on, "closes_on": closes_on})


def rounds_of(campaign: Campaign) -> list[SurveyRound]:
    return list(db.session.scalars(sa.select(SurveyRound).where(SurveyRound.campaign_id == campaign.id)
                                   .order_by(SurveyRound.id)))


def link_by_token(token: str) -> SurveyLink | None:
    if not 8 <= len(token) <= 32:
        return None
    return db.session.scalar(sa.select(SurveyLink).where(SurveyLink.token == token))


# --- answers --------------------------------------------------------------------------------------


def _keyed(*parts: object) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, ":".join(str(p) for p in parts).encode(), hashlib.sha256).hexdigest()


def device_key(survey: SurveyRound, cookie: str) -> str:
    return _keyed("device", survey.id, cookie)


def already_answered(survey: SurveyRound, cookie: str | None) -> bool:
    if not cookie:
        return False
    return db.session.scalar(sa.select(sa.exists().where(SurveyResponse.round_id == survey.id,
                                                         SurveyResponse.device == device_key(survey, cookie)))) or False


def read_answers(version: ChecklistVersion, form: Mapping[str, t.Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The answers of a submitted page, checked against the questionnaire: (answers, errors by name)."""
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in version.items:
        if item.type == ItemType.NOTE:
            continue
        names = {c["name"] for c in item.choices or []}
        if item.type == ItemType.SELECT_MULTIPLE:
            picked = [v for v in form.getlist(item.name)] if hasattr(form, "getlist") else []
            value = " ".join(v for v in dict.fromkeys(picked) if v in names)
            if len(picked) > len(names) or any(v not in names for v in picked):
                errors[item.name] = _("Choose among the options shown.")
        else:
            value = str(form.get(item.name) or "").strip()
            if item.type == ItemType.SELECT_ONE and value and value not in names:
                errors[item.name] = _("Choose among the options shown.")
            elif item.type == ItemType.TEXT and len(value) > MAX_TEXT:
                errors[item.name] = _("At most %(n)d characters.", n=MAX_TEXT)
            elif item.type == ItemType.INTEGER and value and not (
                    value.lstrip("-").isdigit() and len(value) <= MAX_INTEGER_DIGITS):
                errors[item.name] = _("Enter a whole number.")
        if item.required and not value and item.name not in errors:
            errors[item.name] = _("Please answer this question.")
        if value and item.name not in errors:
            answers[item.name] = value
    return answers, errors


def _count_address(survey: SurveyRound, address: str) -> None:
    """Count an answer from ``address``; refuse beyond the hourly bound."""
    now = utcnow()
    window = now.replace(minute=0, second=0, microsecond=0)
    key = _keyed("address", survey.id, address)
    limit = int(current_app.config.get("SURVEY_ANSWERS_PER_ADDRESS", DEFAULT_PER_ADDRESS))
    row = db.session.scalar(sa.select(SurveyAddressCount).where(
        SurveyAddressCount.round_id == survey.id, SurveyAddressCount.address == key,
        SurveyAddressCount.window_start == window))
    if row is None:
        # Yesterday's counters are of no more use: drop them as new ones come.
        db.session.execute(sa.delete(SurveyAddressCount)
                           .where(SurveyAddressCount.window_start < window - ADDRESS_WINDOW))
        row = SurveyAddressCount(round_id=survey.id, address=key, window_start=window, count=0)
        db.session.add(row)
    if row.count >= limit:
        raise Refused(_("Too many answers have come from this network in the last hour. Please try again later."), 429)
    row.count += 1


def submit_response(link: SurveyLink, audience: Audience, form: Mapping[str, t.Any], *, cookie: str,
                    address: str, way: SurveyWay = SurveyWay.SELF) -> tuple[SurveyResponse | None, dict[str, str]]:
    """Store one anonymous answer from a phone; returns (response, {}) or (None, errors by question)."""
    survey = link.round
    if not survey.is_open(local_today()):
        raise Refused(_("This survey is closed."), 403)
    version = survey.version_for(audience)
    if version is None:
        raise Refused(_("This survey has no such questionnaire."), 404)
    if already_answered(survey, cookie):
        raise Refused(_("This phone has already answered this survey. Thank you!"), 409)
    answers, errors = read_answers(version, form)
    if errors:
        return None, errors
    _count_address(survey, address)
    return store_response(survey, link.school_id, audience, answers, way=way, device=device_key(survey, cookie)), {}


def store_response(survey: SurveyRound, school_id: int, audience: Audience, answers: dict[str, str], *,
                   way: SurveyWay, device: str | None = None) -> SurveyResponse:
    """Store answers checked by :func:`read_answers` (the phone page's, or a telephone interview's), audited
    by nobody: the answer names no one, and no one is named with it."""
    version = survey.version_for(audience)
    if version is None:
        raise ValidationFailed(_("This survey has no such questionnaire."))
    response = SurveyResponse(round_id=survey.id, school_id=school_id, version_id=version.id, audience=audience,
                              way=way, device=device, submitted_on=local_today(), answers=answers)
    db.session.add(response)
    db.session.flush()
    audit.record(None, "survey.response", response, campaign_id=survey.campaign_id,
                 after={"round": survey.id, "audience": audience, "way": way})
    return response
