from __future__ import annotations

import typing as t
import uuid
from datetime import date
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import orm

from ..db import TimestampMixin
from ..db import enum_column
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..campaigns.models import Campaign
    from ..campaigns.models import Team
    from ..checklists.models import ChecklistItem
    from ..checklists.models import ChecklistVersion
    from ..schools.models import School


class VisitStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return str(VISIT_STATUS_LABELS[self])

    @property
    def editable(self) -> bool:
        return self in (VisitStatus.PLANNED, VisitStatus.IN_PROGRESS, VisitStatus.RETURNED)


VISIT_STATUS_LABELS = {
    VisitStatus.PLANNED: _l("Planned"),
    VisitStatus.IN_PROGRESS: _lp("visit status", "In progress"),
    VisitStatus.SUBMITTED: _l("Submitted"),
    VisitStatus.APPROVED: _l("Approved"),
    VisitStatus.RETURNED: _l("Returned"),
}


class Visit(TimestampMixin, Model):
    """One school inspected in one campaign."""

    __tablename__ = "visits"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "school_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    campaign_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    # The version this visit was planned with; later versions never change it.
    checklist_version_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("checklist_versions.id"))
    # The 检查组 that makes the visit; its members are the visit's inspectors (VisitInspector rows).
    team_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("teams.id"), index=True)
    status: orm.Mapped[VisitStatus] = orm.mapped_column(enum_column(VisitStatus), default=VisitStatus.PLANNED)
    planned_on: orm.Mapped[date | None]
    started_at: orm.Mapped[datetime | None]
    submitted_at: orm.Mapped[datetime | None]
    submitted_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: orm.Mapped[datetime | None]
    reviewed_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    return_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    checkin_latitude: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(9, 6))
    checkin_longitude: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(9, 6))
    checkin_accuracy_m: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(9, 1))
    checkin_at: orm.Mapped[datetime | None]

    campaign: orm.Mapped[Campaign] = orm.relationship()
    school: orm.Mapped[School] = orm.relationship()
    checklist_version: orm.Mapped[ChecklistVersion] = orm.relationship()
    team: orm.Mapped[Team | None] = orm.relationship()
    assignments: orm.Mapped[list[VisitInspector]] = orm.relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitInspector.id"
    )
    answers: orm.Mapped[list[Answer]] = orm.relationship(back_populates="visit", cascade="all, delete-orphan")
    entries: orm.Mapped[list[RepeatInstance]] = orm.relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="RepeatInstance.position"
    )

    @property
    def inspectors(self) -> list[User]:
        return [a.user for a in self.assignments]


class VisitInspector(Model):
    __tablename__ = "visit_inspectors"
    __table_args__ = (sa.UniqueConstraint("visit_id", "user_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    visit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("visits.id"), index=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    is_leader: orm.Mapped[bool] = orm.mapped_column(default=False)

    visit: orm.Mapped[Visit] = orm.relationship(back_populates="assignments")
    user: orm.Mapped[User] = orm.relationship()


class RepeatInstance(Model):
    """One entry of a repeat (a list of entries, such as defects) in one visit.

    ``uuid`` names the entry wherever it is made: the server makes one, or a client may bring its own.
    """

    __tablename__ = "repeat_instances"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    visit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("visits.id"), index=True)
    # The repeat item.
    item_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("checklist_items.id"))
    position: orm.Mapped[int]
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    # A removed entry keeps its rows (a finding may point to it) but no longer counts.
    removed_at: orm.Mapped[datetime | None]

    visit: orm.Mapped[Visit] = orm.relationship(back_populates="entries")
    item: orm.Mapped[ChecklistItem] = orm.relationship()


class Answer(Model):
    """The current answer to one checklist item in one visit (and one entry, inside a repeat)."""

    __tablename__ = "answers"
    __table_args__ = (
        # One answer per item, and per entry for the questions of a repeat.
        sa.Index("ix_answers_one_per_item", "visit_id", "item_id", unique=True,
                 sqlite_where=sa.text("instance_id IS NULL"), postgresql_where=sa.text("instance_id IS NULL")),
        sa.UniqueConstraint("instance_id", "item_id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    visit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("visits.id"), index=True)
    item_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("checklist_items.id"), index=True)
    instance_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("repeat_instances.id"))
    value: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    note: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    rev: orm.Mapped[int] = orm.mapped_column(default=1)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    visit: orm.Mapped[Visit] = orm.relationship(back_populates="answers")
    item: orm.Mapped[ChecklistItem] = orm.relationship()
    instance: orm.Mapped[RepeatInstance | None] = orm.relationship()
