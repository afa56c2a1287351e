"""What the surveys answer to the floors below: the audit log's names for rounds, answers and calls."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ..core import signals
from ..extensions import db
from .models import InterviewCall
from .models import SurveyResponse
from .models import SurveyRound


def _round_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    return dict(db.session.execute(sa.select(SurveyRound.id, SurveyRound.title).where(SurveyRound.id.in_(ids))).all())


def _response_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    stmt = sa.select(SurveyResponse.id, SurveyRound.title).join(SurveyRound).where(SurveyResponse.id.in_(ids))
    return {i: f"{title} #{i}" for i, title in db.session.execute(stmt)}


def _call_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    """A call by its round and number in the draw: the person's name is not the log's to repeat."""
    stmt = sa.select(InterviewCall.id, InterviewCall.position, SurveyRound.title).join(SurveyRound).where(
        InterviewCall.id.in_(ids))
    return {i: f"{title} · {position}" for i, position, title in db.session.execute(stmt)}


def connect_signals() -> None:
    signals.audit_object_names.connect(_round_names, sender="survey_rounds")
    signals.audit_object_names.connect(_response_names, sender="survey_responses")
    signals.audit_object_names.connect(_call_names, sender="interview_calls")
