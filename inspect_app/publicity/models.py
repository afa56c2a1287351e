"""A school's 公示 of its aid recipients (from a checked roster) and the objections (异议) raised against it."""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from ..db import enum_column
from ..db import utcnow
from ..extensions import Model
from ..funds.models import SemesterMixin

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..rosters.models import ReconciliationRun
    from ..schools.models import School


class ObjectionOutcome(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])

    @property
    def zh(self) -> str:
        return OUTCOME_ZH[self]


OUTCOME_LABELS = {
    ObjectionOutcome.PENDING: _l("Being handled"),
    ObjectionOutcome.UPHELD: _l("Upheld"),
    ObjectionOutcome.REJECTED: _l("Not upheld"),
}
OUTCOME_ZH = {ObjectionOutcome.PENDING: "处理中", ObjectionOutcome.UPHELD: "成立", ObjectionOutcome.REJECTED: "不成立"}


class PublicNotice(SemesterMixin, Model):
    """One 公示 of a school's recipients, with the rows as listed (kept when the roster file is purged).

    ``rows`` holds name, grade, level (学段), programme, tier and amount of each recipient, never the ID
    number, address or family circumstances.
    """

    __tablename__ = "public_notices"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    run_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("roster_runs.id", ondelete="SET NULL"),
                                                       index=True)
    source_file: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    rows: orm.Mapped[list[t.Any]]
    row_count: orm.Mapped[int]
    starts_on: orm.Mapped[date]
    ends_on: orm.Mapped[date]
    contact_name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    contact_phone: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    payment_date: orm.Mapped[date | None]
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)

    school: orm.Mapped[School] = orm.relationship()
    run: orm.Mapped[ReconciliationRun | None] = orm.relationship()
    created_by: orm.Mapped[User | None] = orm.relationship()
    objections: orm.Mapped[list[Objection]] = orm.relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="(Objection.received_on, Objection.id)")


class Objection(Model):
    """An objection (异议) received during a 公示, how it was handled and what came of it."""

    __tablename__ = "publicity_objections"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    notice_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("public_notices.id"), index=True)
    received_on: orm.Mapped[date]
    raised_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    content: orm.Mapped[str] = orm.mapped_column(sa.String(1000))
    handling: orm.Mapped[str | None] = orm.mapped_column(sa.String(1000))
    outcome: orm.Mapped[ObjectionOutcome] = orm.mapped_column(enum_column(ObjectionOutcome),
                                                              default=ObjectionOutcome.PENDING)
    recorded_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    recorded_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    handled_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    handled_at: orm.Mapped[datetime | None]

    notice: orm.Mapped[PublicNotice] = orm.relationship(back_populates="objections")
    recorded_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[recorded_by_id])
    handled_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[handled_by_id])
