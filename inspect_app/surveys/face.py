"""Collection way 2: face to face on the tablet, during a visit (满意度测评 of the 六个一).

The inspector takes one respondent's answers at a time on the visit's page, offline if need be; each
questionnaire is an operation ``survey_response`` of the tablet's outbox, sent through the sync API
with the visit's other operations (``sync.kinds``: sync never imports the surveys). An answer is
checked by the phone page's own :func:`services.read_answers`, and stored as a response of way
``face`` with, beside it (:class:`SurveyFaceCollection`), the visit, the inspector who collected it
and the operation's UUID. The respondent stays anonymous: no name, no number, no time of day.

The round must cover the visit's school (the round's campaign is the visit's, and the school has its
link) and be open on the day the answers were taken: the tablet's time of the operation, never later
than the server's today, read on the Asia/Shanghai calendar — an answer taken on the last day and
synced the next morning counts.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..audit import services as audit
from ..checklists.models import ItemType
from ..db import LOCAL_TZ
from ..db import local_today
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..sync import kinds
from ..sync.requests import parse_int
from . import services
from .models import Audience
from .models import SurveyFaceCollection
from .models import SurveyLink
from .models import SurveyResponse
from .models import SurveyRound
from .models import SurveyWay

if t.TYPE_CHECKING:
    from datetime import date

    from ..auth.models import User
    from ..campaigns.models import Visit
    from ..checklists.models import ChecklistVersion

OP_TYPE = "survey_response"
FIELDS = ("round_id", "audience", "version_id", "answers")
AUDIT_ACTION = "survey.face_responses"
MAX_ANSWERS = 200
MAX_ANSWER = 2000


def open_rounds(visit: Visit, today: date | None = None) -> list[SurveyRound]:
    """The rounds of the visit's campaign open ``today`` that cover its school, oldest first."""
    day = today or local_today()
    stmt = (sa.select(SurveyRound).join(SurveyLink, SurveyLink.round_id == SurveyRound.id)
            .where(SurveyRound.campaign_id == visit.campaign_id, SurveyLink.school_id == visit.school_id,
                   SurveyRound.opens_on <= day, SurveyRound.closes_on >= day)
            .order_by(SurveyRound.opens_on, SurveyRound.id))
    return list(db.session.scalars(stmt))


def visit_counts(visit: Visit) -> dict[tuple[int, str], int]:
    """The face-to-face answers stored for ``visit``, by round and audience."""
    stmt = (sa.select(SurveyResponse.round_id, SurveyResponse.audience, sa.func.count())
            .join(SurveyFaceCollection, SurveyFaceCollection.response_id == SurveyResponse.id)
            .where(SurveyFaceCollection.visit_id == visit.id)
            .group_by(SurveyResponse.round_id, SurveyResponse.audience))
    return {(round_id, Audience(audience).value): n for round_id, audience, n in db.session.execute(stmt)}


def _round(visit: Visit, value: t.Any) -> SurveyRound:
    survey = db.session.get(SurveyRound, parse_int(value, "round_id"))
    covered = survey is not None and survey.campaign_id == visit.campaign_id and bool(db.session.scalar(
        sa.select(sa.exists().where(SurveyLink.round_id == survey.id, SurveyLink.school_id == visit.school_id))))
    if survey is None or not covered:
        raise ValidationFailed(_("round_id: survey round %(id)s does not cover this visit's school.", id=value))
    return survey


def _day(ctx: kinds.OpContext) -> date:
    """The day the answers were taken: the tablet's time, never later than now, in Asia/Shanghai."""
    at = min(ctx.client_ts, utcnow()) if ctx.client_ts is not None else utcnow()
    return at.astimezone(LOCAL_TZ).date()


def _version(survey: SurveyRound, audience_value: t.Any, version_value: t.Any) -> tuple[Audience, ChecklistVersion]:
    if audience_value not in {a.value for a in Audience}:
        raise ValidationFailed(_("audience: “%(value)s” is neither student nor parent.", value=audience_value))
    audience = Audience(audience_value)
    version = survey.version_for(audience)
    if version is None:
        raise ValidationFailed(_("audience: the round “%(title)s” has no questionnaire for %(audience)s.",
                                 title=survey.title, audience=audience.label))
    if parse_int(version_value, "version_id") != version.id:
        raise ValidationFailed(_("version_id: the round asks questionnaire version %(id)d of %(audience)s, "
                                 "not %(value)s.", id=version.id, audience=audience.label, value=version_value))
    return audience, version


def _form(version: ChecklistVersion, value: t.Any) -> MultiDict[str, str]:
    """The answers sent ({question: text, or a list of texts for a multiple choice}) as a submitted page's form."""
    if not isinstance(value, Mapping):
        raise ValidationFailed(_("answers: send an object of the answers by question name."))
    if len(value) > MAX_ANSWERS:
        raise ValidationFailed(_("answers: at most %(n)d answers.", n=MAX_ANSWERS))
    questions = {i.name: i for i in version.items if i.type != ItemType.NOTE}
    form: MultiDict[str, str] = MultiDict()
    for name, given in value.items():
        item = questions.get(name) if isinstance(name, str) else None
        if item is None:
            raise ValidationFailed(_("answers: “%(name)s” is not a question of this questionnaire.", name=name))
        many = item.type == ItemType.SELECT_MULTIPLE
        values = given if many and isinstance(given, list) else [given]
        for one in values:
            if one is None:
                continue
            if isinstance(one, int) and not isinstance(one, bool):
                one = str(one)
            if not isinstance(one, str) or len(one) > MAX_ANSWER:
                raise ValidationFailed(_("Question “%(name)s”: %(message)s", name=name,
                                         message=_("Choose among the options shown.") if item.type in (
                                             ItemType.SELECT_ONE, ItemType.SELECT_MULTIPLE)
                                         else _("At most %(n)d characters.", n=services.MAX_TEXT)))
            form.add(name, one)
    return form


def take_response(ctx: kinds.OpContext, raw: dict[str, t.Any]) -> dict[str, t.Any]:
    """Store one respondent's answers taken face to face on ``ctx.visit``; refuse naming the field at fault."""
    visit = ctx.visit
    survey = _round(visit, raw.get("round_id"))
    day = _day(ctx)
    if not survey.is_open(day):
        raise ValidationFailed(_("round_id: the survey round “%(title)s” is open from %(opens)s to %(closes)s, "
                                 "not on %(day)s.", title=survey.title, opens=survey.opens_on.isoformat(),
                                 closes=survey.closes_on.isoformat(), day=day.isoformat()))
    audience, version = _version(survey, raw.get("audience"), raw.get("version_id"))
    answers, errors = services.read_answers(version, _form(version, raw.get("answers")))
    if errors:
        details = [_("Question “%(name)s”: %(message)s", name=name, message=message)
                   for name, message in errors.items()]
        raise ValidationFailed(details[0], details=details)
    response = SurveyResponse(round_id=survey.id, school_id=visit.school_id, version_id=version.id, audience=audience,
                              way=SurveyWay.FACE, device=None, submitted_on=day, answers=answers)
    db.session.add(response)
    db.session.flush()
    db.session.add(SurveyFaceCollection(response_id=response.id, uuid=ctx.op_id, visit_id=visit.id,
                                        collected_by_id=ctx.actor.id))
    db.session.flush()
    return {"round_id": survey.id, "audience": audience.value, "version_id": version.id, "response_id": response.id}


def audit_batch(visit: Visit, actor: User, taken: list[dict[str, t.Any]]) -> None:
    """One audit entry for a batch's face-to-face answers, about the visit, listing each response."""
    audit.record(actor, AUDIT_ACTION, visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 after={"count": len(taken), "way": SurveyWay.FACE.value, "responses": taken})


def register() -> None:
    """Hand the tablet's ``survey_response`` operations to :func:`take_response` (at app creation)."""
    kinds.register(OP_TYPE, kinds.OpKind(fields=FIELDS, apply=take_response, finish=audit_batch))
