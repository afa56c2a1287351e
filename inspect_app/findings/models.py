from __future__ import annotations

import typing as t
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from ..checklists.models import Severity
from ..db import TimestampMixin
from ..db import enum_column
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..campaigns.models import Campaign
    from ..checklists.models import ChecklistItem
    from ..rectification.models import Rectification
    from ..schools.models import School
    from ..visits.models import RepeatInstance
    from ..visits.models import Visit


class FindingStatus(StrEnum):
    RAISED = "raised"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return str(FINDING_STATUS_LABELS[self])


FINDING_STATUS_LABELS = {
    FindingStatus.RAISED: _l("Awaiting review"),
    FindingStatus.CONFIRMED: _l("Confirmed"),
    FindingStatus.DISMISSED: _l("Dismissed"),
}


class Finding(TimestampMixin, Model):
    """A problem found at a school: raised from a failing answer, then confirmed or dismissed."""

    __tablename__ = "findings"
    # One finding per checklist item per visit, and per entry for the questions of a repeat;
    # hand-written findings have no item.
    __table_args__ = (
        sa.Index("ix_findings_one_per_item", "visit_id", "item_id", unique=True,
                 sqlite_where=sa.text("instance_id IS NULL"), postgresql_where=sa.text("instance_id IS NULL")),
        sa.UniqueConstraint("instance_id", "item_id"),
        sa.Index("ix_findings_updated_at_id", "updated_at", "id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    visit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("visits.id"), index=True)
    # Denormalised from the visit: every list and report filters by these.
    campaign_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    item_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("checklist_items.id"), index=True)
    # The entry of a repeat whose answer failed.
    instance_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("repeat_instances.id"))
    answer_value: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    inspector_note: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    description: orm.Mapped[str] = orm.mapped_column(sa.Text)
    severity: orm.Mapped[Severity] = orm.mapped_column(enum_column(Severity))
    status: orm.Mapped[FindingStatus] = orm.mapped_column(
        enum_column(FindingStatus), default=FindingStatus.RAISED, index=True
    )
    dismiss_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    raised_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    decided_at: orm.Mapped[datetime | None]
    decided_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    visit: orm.Mapped[Visit] = orm.relationship()
    campaign: orm.Mapped[Campaign] = orm.relationship()
    school: orm.Mapped[School] = orm.relationship()
    item: orm.Mapped[ChecklistItem | None] = orm.relationship()
    instance: orm.Mapped[RepeatInstance | None] = orm.relationship()
    decided_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[decided_by_id])
    rectification: orm.Mapped[Rectification | None] = orm.relationship(back_populates="finding")

    @property
    def reference(self) -> str:
        return f"{self.campaign.code}-{self.id:04d}"


class FindingComment(Model):
    """One message in the conversation on a finding between the school and its supervisors."""

    __tablename__ = "finding_comments"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    finding_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("findings.id"), index=True)
    author_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"))
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)

    finding: orm.Mapped[Finding] = orm.relationship()
    author: orm.Mapped[User] = orm.relationship()
