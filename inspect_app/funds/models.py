from __future__ import annotations

import typing as t
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm

from ..db import TimestampMixin
from ..db import enum_column
from ..extensions import Model
from .programmes import FundLine
from .programmes import FundSource
from .programmes import Programme
from .programmes import Semester

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..schools.models import School


class SemesterMixin:
    # "2023春"; the key orders semesters (year × 2, + 1 for autumn).
    semester: orm.Mapped[str] = orm.mapped_column(sa.String(8))
    semester_key: orm.Mapped[int] = orm.mapped_column(index=True)

    @property
    def term(self) -> Semester:
        return Semester.from_key(self.semester_key)


class FundingStandard(TimestampMixin, Model):
    """The amount per student per semester of one tier of a programme, from a semester on (资助标准)."""

    __tablename__ = "funding_standards"
    __table_args__ = (sa.UniqueConstraint("programme", "effective_key", "tier"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    programme: orm.Mapped[Programme] = orm.mapped_column(enum_column(Programme))
    tier: orm.Mapped[int] = orm.mapped_column(default=1)
    amount: orm.Mapped[Decimal] = orm.mapped_column(sa.Numeric(12, 2))
    effective_from: orm.Mapped[str] = orm.mapped_column(sa.String(8))
    effective_key: orm.Mapped[int]
    basis: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    updated_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))


class FundAllocation(SemesterMixin, TimestampMixin, Model):
    """Money allocated to a fund line from one source in a semester (资金下达)."""

    __tablename__ = "fund_allocations"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    fund_line: orm.Mapped[FundLine] = orm.mapped_column(enum_column(FundLine))
    source: orm.Mapped[FundSource] = orm.mapped_column(enum_column(FundSource))
    amount: orm.Mapped[Decimal] = orm.mapped_column(sa.Numeric(14, 2))
    document: orm.Mapped[str | None] = orm.mapped_column(sa.String(128))
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    created_by: orm.Mapped[User | None] = orm.relationship()


class FundPayment(SemesterMixin, TimestampMixin, Model):
    """What one school paid under one programme in a semester: headcount and sum (资金发放)."""

    __tablename__ = "fund_payments"
    __table_args__ = (sa.UniqueConstraint("semester_key", "school_id", "programme"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    programme: orm.Mapped[Programme] = orm.mapped_column(enum_column(Programme))
    headcount: orm.Mapped[int]
    amount: orm.Mapped[Decimal] = orm.mapped_column(sa.Numeric(14, 2))
    # Where the figures come from: the roster file or the reconciliation run.
    source: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    recorded_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    school: orm.Mapped[School] = orm.relationship()
