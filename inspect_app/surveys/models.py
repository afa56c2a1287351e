"""Survey rounds (两率一度): who is asked, with which questionnaire, and the anonymous answers.

A round belongs to a campaign and asks that campaign's schools; it keeps everything needed to
reproduce its rates (the questionnaire versions, the sampling frame, the sizes, the collector and
the knowledge threshold). A response keeps the answers and nothing that identifies the respondent:
no address, no time of day, no account.
"""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import orm

from ..campaigns.models import Campaign
from ..checklists.models import ChecklistVersion
from ..db import TimestampMixin
from ..db import enum_column
from ..db import utcnow
from ..extensions import Model
from ..schools.models import School

if t.TYPE_CHECKING:
    from ..auth.models import User


class SurveyWay(StrEnum):
    """How an answer was collected: self-filled on a phone, face to face on a tablet, or by phone call."""

    SELF = "self"
    FACE = "face"
    PHONE = "phone"

    @property
    def label(self) -> str:
        return str(WAY_LABELS[self])


WAY_LABELS = {
    SurveyWay.SELF: _l("Self-filled on a phone"),
    SurveyWay.FACE: _l("Face to face"),
    SurveyWay.PHONE: _l("Telephone interview"),
}


class Audience(StrEnum):
    STUDENT = "student"
    PARENT = "parent"

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])


AUDIENCE_LABELS = {
    Audience.STUDENT: _lp("survey audience", "Students"),
    Audience.PARENT: _lp("survey audience", "Parents"),
}


class SurveyRound(TimestampMixin, Model):
    __tablename__ = "survey_rounds"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    campaign_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(128))
    opens_on: orm.Mapped[date]
    closes_on: orm.Mapped[date]
    # The questionnaire versions asked (题目版本); at least one of the two.
    student_version_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("checklist_versions.id"))
    parent_version_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("checklist_versions.id"))
    # 抽样框: who could be drawn, and how.
    sampling_frame: orm.Mapped[str] = orm.mapped_column(sa.Text)
    target_size: orm.Mapped[int]
    min_size: orm.Mapped[int]
    # 调查员 / 组织实施单位.
    collector: orm.Mapped[str] = orm.mapped_column(sa.String(128))
    # 政策知晓: a respondent knows the policies with at least this many core questions right.
    knowledge_threshold: orm.Mapped[int] = orm.mapped_column(default=2)
    # The telephone sample (surveys/interviews.py): the seed it was drawn with, and its frame — the roster
    # check and its files, the sizes asked, each stratum's population and draw — so that it can be drawn again.
    interview_seed: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    interview_frame: orm.Mapped[dict[str, t.Any] | None]
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    campaign: orm.Mapped[Campaign] = orm.relationship()
    student_version: orm.Mapped[ChecklistVersion | None] = orm.relationship(foreign_keys=[student_version_id])
    parent_version: orm.Mapped[ChecklistVersion | None] = orm.relationship(foreign_keys=[parent_version_id])
    links: orm.Mapped[list[SurveyLink]] = orm.relationship(back_populates="round", order_by="SurveyLink.id")

    def version_for(self, audience: Audience) -> ChecklistVersion | None:
        return self.student_version if audience == Audience.STUDENT else self.parent_version

    @property
    def audiences(self) -> list[Audience]:
        return [a for a in Audience if self.version_for(a) is not None]

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on


class SurveyLink(Model):
    """A school's public link to a round (/s/<token>), printed as a QR code on its poster."""

    __tablename__ = "survey_links"
    __table_args__ = (sa.UniqueConstraint("round_id", "school_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    round_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("survey_rounds.id"), index=True)
    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    token: orm.Mapped[str] = orm.mapped_column(sa.String(32), unique=True)

    round: orm.Mapped[SurveyRound] = orm.relationship(back_populates="links")
    school: orm.Mapped[School] = orm.relationship()


class SurveyResponse(Model):
    """One respondent's answers. ``device`` is a keyed hash of the phone's cookie (one answer per phone)."""

    __tablename__ = "survey_responses"
    __table_args__ = (sa.UniqueConstraint("round_id", "device"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    round_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("survey_rounds.id"), index=True)
    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    version_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("checklist_versions.id"))
    audience: orm.Mapped[Audience] = orm.mapped_column(enum_column(Audience))
    way: orm.Mapped[SurveyWay] = orm.mapped_column(enum_column(SurveyWay))
    device: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    # The day only: a time would let the answer be matched with a network log.
    submitted_on: orm.Mapped[date]
    # {item name: stored value}, as the checklist answers are stored.
    answers: orm.Mapped[dict[str, t.Any]] = orm.mapped_column(sa.JSON)

    school: orm.Mapped[School] = orm.relationship()
    version: orm.Mapped[ChecklistVersion] = orm.relationship()


class SurveyAddressCount(Model):
    """Answers sent from one network address to one round within an hour: the bound, not a record.

    ``address`` is a keyed hash of the address and the round; the rows are only counted.
    """

    __tablename__ = "survey_address_counts"
    __table_args__ = (sa.UniqueConstraint("round_id", "address", "window_start"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    round_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("survey_rounds.id"), index=True)
    address: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    window_start: orm.Mapped[datetime]
    count: orm.Mapped[int] = orm.mapped_column(default=0)


class CallOutcome(StrEnum):
    """What became of a telephone interview: not called yet, answered, or one of the outcomes counted apart."""

    PENDING = "pending"
    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong_number"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])

    @property
    def final(self) -> bool:
        """No later call changes it: an interview answered, refused, or a number that is not theirs."""
        return self in (CallOutcome.COMPLETED, CallOutcome.REFUSED, CallOutcome.WRONG_NUMBER)


OUTCOME_LABELS = {
    CallOutcome.PENDING: _l("Not called yet"),
    CallOutcome.COMPLETED: _l("Interview completed"),
    CallOutcome.NO_ANSWER: _l("No answer"),
    CallOutcome.REFUSED: _l("Refused the interview"),
    CallOutcome.WRONG_NUMBER: _l("Wrong or no number"),
}


class InterviewCall(Model):
    """One person of a round's telephone sample: who to call, and what came of it.

    The person is copied from the roster check when the sample is drawn (the roster files are deleted after
    their retention): the name, the ID number masked, the guardian's phone when the file had one. A completed
    call stores its answers as a response like any other (``way`` phone), which is not linked to the call:
    the answers keep nothing of the person, as the phone page's keep nothing of the phone.
    """

    __tablename__ = "interview_calls"
    __table_args__ = (sa.UniqueConstraint("round_id", "position"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    round_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("survey_rounds.id"), index=True)
    # The order of the draw: the call sheet's order.
    position: orm.Mapped[int]
    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    # 学段 as the roster writes it ("" when it does not).
    level: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    recipient: orm.Mapped[bool]
    name: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    id_masked: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    grade: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    phone: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    outcome: orm.Mapped[CallOutcome] = orm.mapped_column(enum_column(CallOutcome), default=CallOutcome.PENDING)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    note: orm.Mapped[str] = orm.mapped_column(sa.String(500), default="")
    called_at: orm.Mapped[datetime | None]
    called_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)

    round: orm.Mapped[SurveyRound] = orm.relationship()
    school: orm.Mapped[School] = orm.relationship()
    called_by: orm.Mapped[User | None] = orm.relationship()


class SurveyFaceCollection(Model):
    """How a face-to-face answer (way ``face``) was taken: on which visit, by which inspector, under which UUID.

    The inspector is the collector (调查员), never the respondent, who stays anonymous. ``uuid`` is the
    tablet's id of the operation that carried the answer: the same answer sent twice is stored once.
    """

    __tablename__ = "survey_face_collections"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    response_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("survey_responses.id"), unique=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    visit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("visits.id"), index=True)
    collected_by_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"))

    response: orm.Mapped[SurveyResponse] = orm.relationship()
