from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import orm
from sqlalchemy.ext.hybrid import hybrid_method

from ..db import TimestampMixin
from ..db import enum_column
from ..db import local_today
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..findings.models import Finding


class RectificationStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PARTIAL = "partial"
    SUBMITTED = "submitted"
    CLOSED = "closed"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return str(RECTIFICATION_STATUS_LABELS[self])

    @property
    def zh(self) -> str:
        return RECTIFICATION_STATUS_ZH[self]


RECTIFICATION_STATUS_LABELS = {
    RectificationStatus.NOT_STARTED: _l("Not started"),
    RectificationStatus.IN_PROGRESS: _lp("rectification status", "In progress"),
    RectificationStatus.PARTIAL: _l("Partly rectified"),
    RectificationStatus.SUBMITTED: _l("Awaiting verification"),
    RectificationStatus.CLOSED: _lp("rectification status", "Closed"),
    RectificationStatus.RETURNED: _l("Returned"),
}
# The ledger's own words (checklist-student-aid.md §4), used in formal documents.
RECTIFICATION_STATUS_ZH = {
    RectificationStatus.NOT_STARTED: "未整改",
    RectificationStatus.IN_PROGRESS: "整改中",
    RectificationStatus.PARTIAL: "部分整改",
    RectificationStatus.SUBMITTED: "已整改待复核",
    RectificationStatus.CLOSED: "已销号",
    RectificationStatus.RETURNED: "退回",
}


class Rectification(TimestampMixin, Model):
    """The school's work on one confirmed finding, from 未整改 to 已销号."""

    __tablename__ = "rectifications"
    __table_args__ = (sa.Index("ix_rectifications_status_due_on", "status", "due_on"),
                      sa.Index("ix_rectifications_updated_at_id", "updated_at", "id"))

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    finding_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("findings.id"), unique=True)
    status: orm.Mapped[RectificationStatus] = orm.mapped_column(
        enum_column(RectificationStatus), default=RectificationStatus.NOT_STARTED
    )
    due_on: orm.Mapped[date]
    measures: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    responsible_unit: orm.Mapped[str | None] = orm.mapped_column(sa.String(128))
    responsible_person: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    submitted_at: orm.Mapped[datetime | None]
    submitted_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    verified_at: orm.Mapped[datetime | None]
    verified_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    verify_note: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    return_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    closed_on: orm.Mapped[date | None]
    # The day the finding was confirmed and the work began (Asia/Shanghai): "days to close" counts from it.
    # Always set on insert; nullable only so that SQLite can add it to a table with rows and foreign keys.
    opened_on: orm.Mapped[date | None] = orm.mapped_column(default=local_today)

    finding: orm.Mapped[Finding] = orm.relationship(back_populates="rectification")
    verified_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[verified_by_id])
    extension_requests: orm.Mapped[list[ExtensionRequest]] = orm.relationship(
        back_populates="rectification", order_by="ExtensionRequest.id"
    )

    def _overdue_on(self, as_of: date) -> bool:
        return self.status != RectificationStatus.CLOSED and self.due_on < as_of

    @classmethod
    def _overdue_on_sql(cls, as_of: date) -> sa.ColumnElement[bool]:
        return sa.and_(cls.status != RectificationStatus.CLOSED, cls.due_on < as_of)

    #: 逾期 on ``as_of``: not closed and past its deadline (Asia/Shanghai calendar). Never stored. The one
    #: definition of overdue: ``rect.overdue_on(day)`` in Python, ``Rectification.overdue_on(day)`` in SQL.
    overdue_on = hybrid_method(_overdue_on, _overdue_on_sql)

    @property
    def is_closed(self) -> bool:
        """Verified and closed (已销号): nothing on it can change any more."""
        return self.status == RectificationStatus.CLOSED

    @property
    def is_overdue(self) -> bool:
        """Overdue today."""
        return self.overdue_on(local_today())

    @property
    def days_left(self) -> int:
        return (self.due_on - local_today()).days


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(EXTENSION_STATUS_LABELS[self])


EXTENSION_STATUS_LABELS = {
    ExtensionStatus.PENDING: _l("Awaiting decision"),
    ExtensionStatus.APPROVED: _l("Approved"),
    ExtensionStatus.REJECTED: _l("Rejected"),
    ExtensionStatus.CANCELLED: _l("Cancelled"),
}


class ExtensionRequest(Model):
    """A school's request to move a deadline (延期申请), and the supervisor's decision. Never deleted."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        # At most one request awaiting a decision per rectification, whatever the application does.
        sa.Index("uq_extension_requests_one_pending", "rectification_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    rectification_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("rectifications.id"), index=True)
    status: orm.Mapped[ExtensionStatus] = orm.mapped_column(
        enum_column(ExtensionStatus), default=ExtensionStatus.PENDING
    )
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text)
    # The deadline when the request was made, and the one the school asks for.
    current_due_on: orm.Mapped[date]
    proposed_due_on: orm.Mapped[date]
    requested_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    requested_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    # The deadline granted on approval (the supervisor may grant less, or more, than asked).
    granted_due_on: orm.Mapped[date | None]
    decision_note: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    decided_at: orm.Mapped[datetime | None]
    decided_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    rectification: orm.Mapped[Rectification] = orm.relationship(back_populates="extension_requests")
    requested_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[requested_by_id])
    decided_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[decided_by_id])

    @property
    def pending(self) -> bool:
        return self.status == ExtensionStatus.PENDING
