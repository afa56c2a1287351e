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
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..checklists.models import ChecklistVersion
    from ..schools.models import City
    from ..schools.models import County
    from ..schools.models import School
    from ..visits.models import Answer
    from ..visits.models import RepeatInstance


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


# The level a campaign is run at: its owning region's (see ``Campaign.city_id`` and ``county_id``).
CAMPAIGN_LEVEL_LABELS = {
    "province": _l("Province-wide"),
    "city": _l("City-wide"),
    "county": _l("County"),
}


class Campaign(TimestampMixin, Model):
    """An inspection round: a set of schools checked against one checklist version."""

    __tablename__ = "campaigns"
    # The read API's pages (api/services.py) walk rows in this order.
    __table_args__ = (sa.Index("ix_campaigns_updated_at_id", "updated_at", "id"),)

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
    # Owning region: a province campaign has neither city nor county, a city's has its city, a county's
    # its city and its county.
    city_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("cities.id"), index=True)
    county_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("counties.id"), index=True)
    # 交叉检查: nobody inspects a school of their own home county.
    cross_county: orm.Mapped[bool] = orm.mapped_column(default=True)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    # How many schools one team visits on one day when the planner draws up the schedule.
    visits_per_day: orm.Mapped[int] = orm.mapped_column(default=2, server_default="2")
    # Days without visits (holidays, exams…) as ISO dates: the planner schedules around them.
    days_off: orm.Mapped[list[str]] = orm.mapped_column(sa.JSON, default=list, server_default="[]")
    # The parameters of the sample that chose the schools (seed, size, strata…), kept to redraw it.
    sample: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)

    checklist_version: orm.Mapped[ChecklistVersion] = orm.relationship()
    city: orm.Mapped[City | None] = orm.relationship()
    county: orm.Mapped[County | None] = orm.relationship()
    created_by: orm.Mapped[User | None] = orm.relationship()
    teams: orm.Mapped[list[Team]] = orm.relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="[Team.position, Team.id]"
    )

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level(self) -> str:
        """The level it is run at: "province" (neither city nor county), "city" or "county"."""
        if self.county_id is not None:
            return "county"
        return "city" if self.city_id is not None else "province"

    @property
    def level_label(self) -> str:
        return str(CAMPAIGN_LEVEL_LABELS[self.level])

    @property
    def region(self) -> City | County | None:
        """The owning county or city; None for a province campaign."""
        return self.county if self.county_id is not None else self.city

    @property
    def cross_city(self) -> bool:
        """The cross rule one level up: in a province's cross-inspection nobody inspects a school of their city."""
        return self.cross_county and self.level == "province"

    @property
    def off_days(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(day) for day in self.days_off or ())

    @property
    def days_off_runs(self) -> list[tuple[date, date]]:
        """The days off as runs of consecutive days: (first, last)."""
        runs: list[tuple[date, date]] = []
        for day in sorted(self.off_days):
            if runs and (day - runs[-1][1]).days == 1:
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        return runs

    def __repr__(self) -> str:
        return f"<Campaign {self.code}>"


class Team(TimestampMixin, Model):
    """检查组: a leader and members who inspect a share of a campaign's schools together."""

    __tablename__ = "teams"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    campaign_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    position: orm.Mapped[int] = orm.mapped_column(default=0)

    campaign: orm.Mapped[Campaign] = orm.relationship(back_populates="teams")
    members: orm.Mapped[list[TeamMember]] = orm.relationship(
        back_populates="team", cascade="all, delete-orphan",
        order_by="[TeamMember.is_leader.desc(), TeamMember.id]",
    )

    @property
    def leader(self) -> User | None:
        return next((m.user for m in self.members if m.is_leader), None)

    @property
    def users(self) -> list[User]:
        """Members, the leader first."""
        return [m.user for m in sorted(self.members, key=lambda m: (not m.is_leader, m.id or 0))]

    @property
    def home_county_ids(self) -> set[int]:
        return {m.user.county_id for m in self.members if m.user.county_id is not None}

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class TeamMember(Model):
    """An inspector in a team; an inspector belongs to at most one team per campaign."""

    __tablename__ = "team_members"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "user_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    team_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("teams.id"), index=True)
    # Repeats the team's campaign so that the database itself keeps one team per inspector and campaign.
    campaign_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("campaigns.id"))
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    is_leader: orm.Mapped[bool] = orm.mapped_column(default=False)

    team: orm.Mapped[Team] = orm.relationship(back_populates="members")
    user: orm.Mapped[User] = orm.relationship()


class ConflictOfInterest(TimestampMixin, Model):
    """A declared conflict (利害关系): the inspector may not inspect the school, in any campaign."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (sa.UniqueConstraint("user_id", "school_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    reason: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    user: orm.Mapped[User] = orm.relationship(foreign_keys=[user_id])
    school: orm.Mapped[School] = orm.relationship()
    created_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[created_by_id])


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
    __table_args__ = (sa.UniqueConstraint("campaign_id", "school_id"),
                      sa.Index("ix_visits_updated_at_id", "updated_at", "id"))

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
    # Answers and repeat entries are the visits floor's models, named by string so this floor never imports them.
    answers: orm.Mapped[list[Answer]] = orm.relationship(
        "Answer", back_populates="visit", cascade="all, delete-orphan")
    entries: orm.Mapped[list[RepeatInstance]] = orm.relationship(
        "RepeatInstance", back_populates="visit", cascade="all, delete-orphan", order_by="RepeatInstance.position"
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
