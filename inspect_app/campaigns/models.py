from __future__ import annotations

import typing as t
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import orm

from ..db import TimestampMixin
from ..db import enum_column
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..checklists.models import ChecklistVersion
    from ..schools.models import County


class CampaignStatus(StrEnum):
    PLANNING = "planning"
    ACTIVE = "active"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(CAMPAIGN_STATUS_LABELS[self])


CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.PLANNING: _l("Planning"),
    CampaignStatus.ACTIVE: _l("Under way"),
    CampaignStatus.CLOSED: _lp("campaign status", "Closed"),
}


class Campaign(TimestampMixin, Model):
    """An inspection round: a set of schools checked against one checklist version."""

    __tablename__ = "campaigns"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    code: orm.Mapped[str] = orm.mapped_column(sa.String(32), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(128))
    term: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    checklist_version_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("checklist_versions.id"))
    status: orm.Mapped[CampaignStatus] = orm.mapped_column(
        enum_column(CampaignStatus), default=CampaignStatus.PLANNING
    )
    starts_on: orm.Mapped[date | None]
    ends_on: orm.Mapped[date | None]
    default_due_on: orm.Mapped[date]
    # Owning scope: None for a city-wide campaign, else the county that runs it.
    county_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("counties.id"), index=True)
    # 交叉检查: nobody inspects a school of their own home county.
    cross_county: orm.Mapped[bool] = orm.mapped_column(default=True)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    checklist_version: orm.Mapped[ChecklistVersion] = orm.relationship()
    county: orm.Mapped[County | None] = orm.relationship()
    created_by: orm.Mapped[User | None] = orm.relationship()

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    def __repr__(self) -> str:
        return f"<Campaign {self.code}>"
