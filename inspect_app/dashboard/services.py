"""The supervisors' figures: rectification by county, level, checklist section, severity and campaign.

Every breakdown is one grouped query over the viewer's scope, so the number of queries does not
grow with the data. Each figure comes with the list filter that selects the rows behind it.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import expression

from ..campaigns.models import Campaign
from ..checklists.models import Severity
from ..db import local_today
from ..extensions import db
from ..findings.models import Finding
from ..rectification.models import ExtensionRequest
from ..rectification.models import ExtensionStatus
from ..rectification.models import Rectification
from ..rectification.models import RectificationStatus as S
from ..rectification.services import RectFilter
from ..rectification.services import is_due_within
from ..rectification.services import scoped
from ..rectification.services import section_labels
from ..rectification.services import section_name
from ..rectification.services import with_sections
from ..schools.models import County
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..visits.models import Visit
from ..visits.models import VisitStatus
from ..visits.permissions import school_filter

if t.TYPE_CHECKING:
    from ..auth.models import User

DUE_SOON_DAYS = 7


class days_between(expression.FunctionElement[int]):  # noqa: N801 (an SQL function)
    """Whole days from the second date to the first, in SQL."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between(element: days_between, compiler: t.Any, **kw: t.Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: t.Any, **kw: t.Any) -> str:
    later, earlier = list(element.clauses)
    return f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"


@dataclass
class Figures:
    """The counts of one set of rectifications."""

    total: int = 0
    closed: int = 0
    overdue: int = 0
    due_soon: int = 0
    submitted: int = 0
    # Sum over the closed ones of the days from opening to closing.
    days_to_close: int = 0

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def on_time(self) -> int:
        """Open and not (yet) overdue."""
        return self.open - self.overdue

    @property
    def closure_rate(self) -> int | None:
        return round(100 * self.closed / self.total) if self.total else None

    @property
    def avg_days_to_close(self) -> float | None:
        return round(self.days_to_close / self.closed, 1) if self.closed else None

    def add(self, other: Figures) -> None:
        for name in ("total", "closed", "overdue", "due_soon", "submitted", "days_to_close"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Group:
    """One row of a breakdown: its label, figures, and the list filter selecting its rows."""

    key: str
    label: str
    figures: Figures
    filter: RectFilter


@dataclass
class Dashboard:
    today: date
    filters: RectFilter
    totals: Figures
    by_status: dict[S, int]
    by_county: list[Group]
    by_level: list[Group]
    by_section: list[Group]
    by_severity: list[Group]
    by_campaign: list[Group]
    pending_extensions: int
    visits_awaiting_review: int

    @property
    def largest(self) -> int:
        """The largest group total of any breakdown, so that bars of one page share a scale."""
        return max([g.figures.total for g in self.by_county + self.by_level + self.by_section + self.by_severity]
                   or [0])


def _figure_columns(today: date) -> list[sa.ColumnElement[t.Any]]:
    closed = Rectification.status == S.CLOSED
    return [
        sa.func.count(Rectification.id),
        sa.func.sum(sa.case((closed, 1), else_=0)),
        sa.func.sum(sa.case((Rectification.overdue_on(today), 1), else_=0)),
        sa.func.sum(sa.case((is_due_within(today, DUE_SOON_DAYS), 1), else_=0)),
        sa.func.sum(sa.case((Rectification.status == S.SUBMITTED, 1), else_=0)),
        sa.func.sum(sa.case((closed, days_between(Rectification.closed_on, Rectification.opened_on)), else_=0)),
    ]


def _figures(values: t.Sequence[t.Any]) -> Figures:
    return Figures(*(int(v or 0) for v in values))


def _grouped(viewer: User, filters: RectFilter, today: date, keys: t.Sequence[t.Any],
             joins: t.Callable[[sa.Select[t.Any]], sa.Select[t.Any]] | None = None) -> list[t.Any]:
    stmt = scoped(viewer, filters, *keys, *_figure_columns(today))
    if joins is not None:
        stmt = joins(stmt)
    return list(db.session.execute(stmt.group_by(*keys)))


def build_dashboard(viewer: User, filters: RectFilter | None = None, *, today: date | None = None) -> Dashboard:
    """Every figure of the overview page for the viewer's scope (a county supervisor: that county)."""
    today = today or local_today()
    base = RectFilter(campaign_id=(filters or RectFilter()).campaign_id)
    by_county = [
        Group(str(row[0]), row[1], _figures(row[3:]), base.but(county_id=row[0]))
        for row in sorted(_grouped(viewer, base, today, (School.county_id, County.name, County.position),
                                   lambda s: s.join(County, County.id == School.county_id)),
                          key=lambda r: (r[2], r[1]))
    ]
    levels = {row[0]: _figures(row[1:]) for row in _grouped(viewer, base, today, [School.level])}
    by_level = [Group(level.value, level.label, levels[level], base.but(level=level))
                for level in SchoolLevel if level in levels]
    sections = {row[0]: _figures(row[1:]) for row in _grouped(viewer, base, today, [section_name()], with_sections)}
    labels = section_labels(sections)
    by_section = [Group(name, labels.get(name, name), sections[name], base.but(section=name))
                  for name in sorted(sections, key=lambda n: (n == "-", n))]
    severities = {row[0]: _figures(row[1:]) for row in _grouped(viewer, base, today, [Finding.severity])}
    by_severity = [Group(s.value, s.label, severities[s], base.but(severity=s))
                   for s in reversed(Severity) if s in severities]
    # Across campaigns: every campaign in scope, whichever is chosen above.
    everything = RectFilter()
    by_campaign = [
        Group(str(row[0]), f"{row[1]} {row[2]}", _figures(row[3:]), everything.but(campaign_id=row[0]))
        for row in sorted(_grouped(viewer, everything, today, (Finding.campaign_id, Campaign.code, Campaign.name),
                                   lambda s: s.join(Campaign, Campaign.id == Finding.campaign_id)),
                          key=lambda r: -r[0])
    ]
    totals = Figures()
    for group in by_severity:
        totals.add(group.figures)
    by_status = {s: 0 for s in S}
    for status, count in db.session.execute(
            scoped(viewer, base, Rectification.status, sa.func.count()).group_by(Rectification.status)):
        by_status[S(status)] = count
    pending = sa.select(ExtensionRequest.rectification_id).where(ExtensionRequest.status == ExtensionStatus.PENDING)
    pending_extensions = db.session.scalar(
        scoped(viewer, base, sa.func.count()).where(Rectification.id.in_(pending))) or 0
    review = (sa.select(sa.func.count()).select_from(Visit).join(School, School.id == Visit.school_id)
              .where(school_filter(viewer, Visit.school_id, School.county_id), Visit.status == VisitStatus.SUBMITTED))
    if base.campaign_id:
        review = review.where(Visit.campaign_id == base.campaign_id)
    return Dashboard(
        today=today, filters=base, totals=totals, by_status=by_status, by_county=by_county, by_level=by_level,
        by_section=by_section, by_severity=by_severity, by_campaign=by_campaign,
        pending_extensions=pending_extensions, visits_awaiting_review=db.session.scalar(review) or 0,
    )
