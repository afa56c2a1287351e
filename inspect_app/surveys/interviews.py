"""Telephone interviews (电话回访), the third way a round collects answers.

A supervisor who manages the round's campaign draws a sample from a finished roster check (the frame
comes from the roster checks through ``signals.interview_frame``: this floor does not read roster files),
stratified by school, 学段 and recipients/non-recipients (``interview_sample``). Each person drawn is a
call (``InterviewCall``); the interviewer records its outcome, and a completed interview's answers go
through the phone page's checks (``services.read_answers``) and are stored as a response with ``way``
phone, counted in the rates like any other. No answer, refusals and wrong numbers are counted apart
(``CallCounts``): they are not valid samples, and they give the response rate.
"""

from __future__ import annotations

import secrets
import typing as t
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..core import signals
from ..core.privacy import mask_id_number
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from . import services
from .interview_sample import Person
from .interview_sample import draw
from .models import Audience
from .models import CallOutcome
from .models import InterviewCall
from .models import SurveyRound
from .models import SurveyWay

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_SAMPLE = 5000
MAX_MINIMUM = 100
MAX_SEED = 2**31 - 1
MAX_NOTE = 500


@dataclass
class CallCounts:
    """The calls of a school, a county or a round by outcome."""

    drawn: int = 0
    pending: int = 0
    completed: int = 0
    no_answer: int = 0
    refused: int = 0
    wrong_number: int = 0

    def add(self, outcome: CallOutcome, n: int) -> None:
        self.drawn += n
        setattr(self, outcome.value, getattr(self, outcome.value) + n)

    def merge(self, other: CallCounts) -> None:
        for outcome in CallOutcome:
            self.add(outcome, getattr(other, outcome.value))

    @property
    def called(self) -> int:
        """Calls with an outcome: the response rate's denominator."""
        return self.drawn - self.pending

    @property
    def response_rate(self) -> float | None:
        """Completed interviews ÷ calls with an outcome; None before any call."""
        return self.completed / self.called if self.called else None

    def as_dict(self) -> dict[str, t.Any]:
        rate = self.response_rate
        return {"drawn": self.drawn, "pending": self.pending, "completed": self.completed,
                "no_answer": self.no_answer, "refused": self.refused, "wrong_number": self.wrong_number,
                "called": self.called, "response_rate": None if rate is None else round(rate, 4)}


# --- the sample -----------------------------------------------------------------------------------


def frames(survey: SurveyRound, viewer: User) -> list[tuple[int, str]]:
    """The roster checks ``viewer`` may draw the round's sample from: (run id, label), newest first."""
    found = signals.values_from(signals.interview_frames.send(survey.campaign, viewer=viewer))
    return [choice for choices in found for choice in choices]


def has_calls(survey: SurveyRound) -> bool:
    """Whether the round has a sample."""
    return db.session.scalar(sa.select(sa.exists().where(InterviewCall.round_id == survey.id))) or False


def can_redraw(survey: SurveyRound) -> bool:
    """A sample can be drawn again until the first call is recorded."""
    return not (db.session.scalar(sa.select(sa.exists().where(
        InterviewCall.round_id == survey.id, InterviewCall.outcome != CallOutcome.PENDING))) or False)


def _check_sizes(size: int, minimum: int, seed: int | None) -> None:
    if not 1 <= size <= MAX_SAMPLE:
        raise ValidationFailed(_("Sample size: between 1 and %(n)d people.", n=MAX_SAMPLE))
    if not 0 <= minimum <= MAX_MINIMUM:
        raise ValidationFailed(_("Minimum per stratum: between 0 and %(n)d people.", n=MAX_MINIMUM))
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ValidationFailed(_("Seed: a whole number between 0 and %(n)d.", n=MAX_SEED))


def _person(p: dict[str, t.Any]) -> Person:
    return Person(school_id=int(p["school_id"]), level=str(p["level"]), recipient=bool(p["recipient"]),
                  key=str(p["key"]), name=str(p["name"]), id_number=str(p["id_number"]), grade=str(p["grade"]),
                  phone=str(p["phone"]))


def draw_sample(survey: SurveyRound, *, run_id: int, size: int, minimum: int, seed: int | None = None,
                actor: User) -> int:
    """Draw (or, before any call, draw again) the round's telephone sample; returns how many were drawn.

    The seed (a new random one unless given) and the frame — the check and its files, the sizes asked,
    each stratum's population and draw — are kept on the round, so that the sample can be drawn again.
    """
    _check_sizes(size, minimum, seed)
    if not can_redraw(survey):
        raise InvalidTransition(_("Calls have been recorded: the sample can no longer be drawn again."))
    schools = {link.school_id: (link.school.code, link.school.name) for link in survey.links}
    found = signals.values_from(signals.interview_frame.send(survey.campaign, run_id=run_id, schools=schools,
                                                             viewer=actor))
    if not found:
        raise ValidationFailed(_("Choose a finished roster check."))
    source, people = found[0]["source"], [_person(p) for p in found[0]["people"]]
    if not people:
        raise ValidationFailed(_("The roster check “%(title)s” lists nobody at the round's schools.",
                                 title=source["title"]))
    seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    sample, sizes = draw(people, size=size, minimum=minimum, seed=seed)
    redrawn = has_calls(survey)
    db.session.execute(sa.delete(InterviewCall).where(InterviewCall.round_id == survey.id))
    db.session.add_all(InterviewCall(
        round_id=survey.id, position=n, school_id=p.school_id, level=p.level[:32], recipient=p.recipient,
        name=p.name[:64], id_masked=mask_id_number(p.id_number)[:32], grade=p.grade[:32], phone=p.phone[:32],
    ) for n, p in enumerate(sample, start=1))
    drawn: dict[tuple[int, str, bool], int] = {}
    for p in sample:
        drawn[p.stratum] = drawn.get(p.stratum, 0) + 1
    recipients = sum(1 for p in people if p.recipient)
    survey.interview_seed = seed
    survey.interview_frame = {
        **source, "size": size, "minimum": minimum, "seed": seed, "people": len(people),
        "recipients": recipients, "non_recipients": len(people) - recipients, "drawn": len(sample),
        "drawn_on": local_today().isoformat(), "drawn_by": actor.display_name,
        "strata": [{"school_id": key[0], "school": schools[key[0]][1], "level": key[1], "recipient": key[2],
                    "population": n, "drawn": drawn.get(key, 0)} for key, n in sizes.items()],
    }
    db.session.flush()
    audit.record(actor, "interview.draw", survey, campaign_id=survey.campaign_id, after={
        "run": source["run"], "size": size, "minimum": minimum, "seed": seed, "frame": len(people),
        "drawn": len(sample), "strata": len(sizes), "redrawn": redrawn})
    return len(sample)


# --- the calls ------------------------------------------------------------------------------------


def calls_query(survey: SurveyRound, *, outcome: CallOutcome | None = None,
                school_id: int | None = None) -> sa.Select[InterviewCall]:
    """The round's calls in the order of the call sheet (the draw's)."""
    stmt = (sa.select(InterviewCall).where(InterviewCall.round_id == survey.id)
            .options(orm.joinedload(InterviewCall.school)).order_by(InterviewCall.position))
    if outcome is not None:
        stmt = stmt.where(InterviewCall.outcome == outcome)
    if school_id is not None:
        stmt = stmt.where(InterviewCall.school_id == school_id)
    return stmt


def record_call(call: InterviewCall, *, outcome: CallOutcome, audience: Audience | None = None,
                form: Mapping[str, t.Any] | None = None, note: str = "", actor: User) -> dict[str, str]:
    """Record a call's outcome; for a completed interview, store its answers.

    Returns the questions at fault ({name: message}) without recording anything when the answers do not
    pass the questionnaire's checks. A final outcome (completed, refused, wrong number) is not changed;
    no answer may be followed by another call.
    """
    survey = call.round
    if outcome == CallOutcome.PENDING:
        raise ValidationFailed(_("Call outcome: choose what came of the call."))
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("Note on the call: at most %(n)d characters.", n=MAX_NOTE))
    if call.outcome.final:
        raise InvalidTransition(_("This call is closed (%(outcome)s).", outcome=call.outcome.label))
    if not survey.is_open(local_today()):
        raise InvalidTransition(_("The survey round is not open: calls are recorded from its opening to its "
                                  "closing date."))
    if outcome == CallOutcome.COMPLETED:
        version = survey.version_for(audience) if audience is not None else None
        if audience is None or version is None:
            raise ValidationFailed(_("Questionnaire: choose one of the round's questionnaires."))
        answers, errors = services.read_answers(version, form or {})
        if errors:
            return errors
        services.store_response(survey, call.school_id, audience, answers, way=SurveyWay.PHONE)
    before = {"outcome": call.outcome, "attempts": call.attempts}
    call.outcome, call.attempts, call.note = outcome, call.attempts + 1, note.strip()
    call.called_at, call.called_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "interview.call", call, campaign_id=survey.campaign_id, school_id=call.school_id,
                 before=before, after={"outcome": outcome, "attempts": call.attempts})
    return {}


def call_counts(survey: SurveyRound, school_ids: t.Collection[int] | None = None) -> dict[int, CallCounts]:
    """The round's calls by school and outcome, in one query."""
    stmt = (sa.select(InterviewCall.school_id, InterviewCall.outcome, sa.func.count())
            .where(InterviewCall.round_id == survey.id)
            .group_by(InterviewCall.school_id, InterviewCall.outcome))
    if school_ids is not None:
        stmt = stmt.where(InterviewCall.school_id.in_(school_ids))
    out: dict[int, CallCounts] = {}
    for school_id, outcome, n in db.session.execute(stmt):
        out.setdefault(school_id, CallCounts()).add(outcome, n)
    return out
