"""How a campaign is getting on: the progress board, the visits in plan order and figures per visit."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..auth.models import User
from ..core import signals
from ..core.permissions import in_region
from ..core.permissions import school_filter
from ..db import local_today
from ..extensions import db
from ..schools.models import County
from ..schools.models import School
from .models import Campaign
from .models import Team
from .models import TeamMember
from .models import Visit
from .models import VisitInspector
from .models import VisitStatus

# ---------------------------------------------------------------------------------------------------------
# Progress board, schedule and the plan as a workbook

BOARD_STATES = (VisitStatus.PLANNED, VisitStatus.IN_PROGRESS, VisitStatus.SUBMITTED, VisitStatus.APPROVED)
# A returned visit is back with its inspectors: on the board it counts as in progress.
BOARD_STATE_OF = {status: status for status in BOARD_STATES} | {VisitStatus.RETURNED: VisitStatus.IN_PROGRESS}


@dataclass
class BoardRow:
    label: str
    team: Team | None = None
    counts: dict[VisitStatus, int] = field(default_factory=lambda: dict.fromkeys(BOARD_STATES, 0))
    returned: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def approved_share(self) -> float:
        return self.counts[VisitStatus.APPROVED] / self.total if self.total else 0.0


@dataclass
class Board:
    teams: list[BoardRow]
    counties: list[BoardRow]
    total: BoardRow


def progress_board(campaign: Campaign, viewer: User) -> Board:
    """Visits planned, in progress, submitted and approved, by team and by county (the viewer's schools).

    A visit is late when its day has passed and it has not started.
    """
    today = local_today()
    late = sa.case((sa.and_(Visit.status == VisitStatus.PLANNED, Visit.planned_on < today), 1), else_=0)
    stmt = (
        sa.select(Visit.team_id, School.county_id, Visit.status, sa.func.count(), sa.func.sum(late))
        .join(School, School.id == Visit.school_id)
        .where(Visit.campaign_id == campaign.id, school_filter(viewer, Visit.school_id, School.county_id))
        .group_by(Visit.team_id, School.county_id, Visit.status)
    )
    teams = list(db.session.scalars(
        sa.select(Team).where(Team.campaign_id == campaign.id)
        .options(orm.selectinload(Team.members).joinedload(TeamMember.user).joinedload(User.county))
        .order_by(Team.position, Team.id)))
    counties = {c.id: c for c in db.session.scalars(sa.select(County).order_by(County.position, County.id))}
    by_team: dict[int | None, BoardRow] = {team.id: BoardRow(team.name, team) for team in teams}
    by_county: dict[int, BoardRow] = {}
    total = BoardRow(_("All visits"))
    for team_id, county_id, status, n, n_late in db.session.execute(stmt):
        if team_id not in by_team:
            by_team[team_id] = BoardRow(_("No team yet"))
        if county_id not in by_county:
            by_county[county_id] = BoardRow(counties[county_id].name)
        for row in (by_team[team_id], by_county[county_id], total):
            row.counts[BOARD_STATE_OF[status]] += n
            row.late += int(n_late or 0)
            if status == VisitStatus.RETURNED:
                row.returned += n
    team_rows_ = [row for row in by_team.values() if row.total or row.team is not None]
    if viewer.scope_county_ids is not None:
        team_rows_ = [row for row in team_rows_ if row.total]
    county_rows = [by_county[c] for c in counties if c in by_county]
    return Board(team_rows_, county_rows, total)


def schedule_teams(campaign: Campaign, viewer: User) -> sa.Select[Team]:
    """The campaign's teams in order, with members; a city's or a county's staff see the teams visiting it."""
    stmt = (sa.select(Team).where(Team.campaign_id == campaign.id).order_by(Team.position, Team.id)
            .options(orm.selectinload(Team.members).joinedload(TeamMember.user).joinedload(User.county)))
    if viewer.scope_county_ids is not None:
        mine = (sa.select(Visit.team_id).join(School, School.id == Visit.school_id)
                .where(Visit.campaign_id == campaign.id, in_region(viewer, School.county_id)))
        stmt = stmt.where(Team.id.in_(mine))
    return stmt


def plan_visits(campaign: Campaign, viewer: User | None = None, *, team_ids: t.Collection[int] | None = None
                ) -> list[Visit]:
    """The campaign's visits in plan order (team, day, county, school), with everything the plan shows."""
    stmt = (
        sa.select(Visit)
        .join(School, School.id == Visit.school_id)
        .join(County, County.id == School.county_id)
        .outerjoin(Team, Team.id == Visit.team_id)
        .where(Visit.campaign_id == campaign.id)
        .options(
            orm.contains_eager(Visit.school).contains_eager(School.county),
            orm.contains_eager(Visit.team),
            orm.selectinload(Visit.assignments).joinedload(VisitInspector.user).joinedload(User.county),
        )
        .order_by(Team.position.is_(None), Team.position, Team.id, Visit.planned_on.is_(None), Visit.planned_on,
                  County.position, School.code)
    )
    if viewer is not None:
        stmt = stmt.where(school_filter(viewer, Visit.school_id, School.county_id))
    if team_ids is not None:
        stmt = stmt.where(Visit.team_id.in_(list(team_ids)))
    return list(db.session.scalars(stmt).unique())


def visit_figures(campaign: Campaign, visits: t.Sequence[Visit]) -> dict[str, t.Mapping[int, t.Any]]:
    """Figures per visit that the floors above keep (scores, open problems…), by figure name.

    They arrive by :data:`signals.visit_figures`; a figure nobody answers for is absent.
    """
    if not visits:
        return {}
    answers = signals.visit_figures.send(campaign, visits=visits)
    return dict(value for _receiver, value in answers)
