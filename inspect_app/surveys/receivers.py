"""What the surveys answer to the floors below: the audit log's names for rounds, answers and calls, the visit
page's 满意度测评 panel, and the tablet's ``survey_response`` operations (``face``)."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from ..core import signals
from ..extensions import db
from ..visits.permissions import can_fill_visit
from . import face
from .models import InterviewCall
from .models import SurveyResponse
from .models import SurveyRound

if t.TYPE_CHECKING:
    from ..visits.models import Visit


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
def _face_panel(_page: str, *, visit: Visit, **_context: t.Any) -> str | None:
    """The inspector filling the visit takes the open rounds' questionnaires face to face (kept offline too)."""
    if not current_user.is_authenticated or not can_fill_visit(current_user, visit):
        return None
    rounds = face.open_rounds(visit)
    if not rounds:
        return None
    return render_template("surveys/face/panel.html", visit=visit, rounds=rounds, counts=face.visit_counts(visit))


def connect_signals() -> None:
    signals.audit_object_names.connect(_round_names, sender="survey_rounds")
    signals.audit_object_names.connect(_response_names, sender="survey_responses")
    signals.audit_object_names.connect(_call_names, sender="interview_calls")
    signals.page_panels.connect(_face_panel, sender="visits.show")
    face.register()
