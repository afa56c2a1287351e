from __future__ import annotations

import typing as t
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from ..campaigns.models import Visit as Visit
from ..campaigns.models import VisitInspector as VisitInspector
from ..campaigns.models import VisitStatus as VisitStatus
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..checklists.models import ChecklistItem


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
