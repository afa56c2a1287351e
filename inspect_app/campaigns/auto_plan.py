"""Plan a campaign at one go: give every visit a team and a day; :mod:`.planner` holds the algorithm."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import User
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import City
from ..schools.models import County
from ..schools.models import School
from . import planner
from .conflicts import declared_conflicts
from .conflicts import team_problems
from .lifecycle import check_per_day
from .lifecycle import require_open
from .models import Campaign
from .models import Team
from .models import TeamMember
from .models import Visit
from .models import VisitInspector
from .models import VisitStatus
from .teams import record_visit_team
from .teams import sync_inspectors
from .teams import visit_team_state

# ---------------------------------------------------------------------------------------------------------
# Automatic assignment and schedule


@dataclass
class PlannedTeam:
    team: Team
    visits: int
    counties: list[str]
    first: date | None
    last: date | None
    days: int


@dataclass
class PlanResult:
    assigned: int
    teams: list[PlannedTeam]
    pairs: int
    scheduled: bool


def county_centres() -> dict[int, tuple[float, float]]:
    """The mean position of each county's schools with coordinates."""
    stmt = (sa.select(School.county_id, sa.func.avg(School.latitude), sa.func.avg(School.longitude))
            .where(School.latitude.is_not(None), School.longitude.is_not(None)).group_by(School.county_id))
    return {county: (float(lat), float(lon)) for county, lat, lon in db.session.execute(stmt)}


def _explain(reasons: t.Sequence[planner.Reason], teams: dict[int, Team], schools: dict[int, School],
             counties: dict[int, str], users_of: dict[tuple[int, int], str],
             cities: dict[int, str] | None = None) -> list[str]:
    lines = []
    for reason in reasons:
        if isinstance(reason, planner.NoEligibleTeam):
            county = counties[reason.county_id]
            # Under a province campaign's rule a member from the county's city rules the team out.
            home = (cities or {}).get(reason.city_id, county) if reason.city_id is not None else county
            n = len(reason.school_ids)
            if reason.by_county and not reason.by_conflict:
                if reason.city_id is not None:
                    lines.append(_("%(county)s (%(n)d school(s)): every team has a member from %(city)s, and nobody "
                                   "inspects their own city in a province campaign. Add a team without one.",
                                   county=county, n=n, city=home))
                else:
                    lines.append(_("%(county)s (%(n)d school(s)): every team has a member from %(county)s, and "
                                   "nobody inspects their own county. Add a team without one.", county=county, n=n))
                continue
            names = "、".join(schools[i].name for i in reason.school_ids[:10])
            parts = []
            if reason.by_county:
                parts.append(_("%(teams)s have a member from %(county)s",
                               teams="、".join(teams[i].name for i in reason.by_county), county=home))
            for team_id, school_id in reason.by_conflict:
                parts.append(_("in %(team)s, %(who)s declared a conflict with %(school)s",
                               team=teams[team_id].name, who=users_of.get((team_id, school_id), ""),
                               school=schools[school_id].name))
            lines.append(_("%(county)s: no team may inspect %(schools)s: %(why)s.", county=county, schools=names,
                           why="；".join(parts)))
        else:
            lines.append(_("%(counties)s have %(n)d school(s) to inspect, but only %(teams)s may inspect them, and "
                           "they can make at most %(room)d more visit(s) in the campaign's working days. Add a team, "
                           "lengthen the campaign or raise the visits per day.",
                           counties="、".join(counties[c] for c in reason.county_ids), n=reason.schools,
                           teams="、".join(teams[i].name for i in reason.team_ids), room=reason.capacity))
    return lines


def auto_assign(campaign: Campaign, *, actor: User | None, per_day: int | None = None,
                replan: bool = False) -> PlanResult:
    """Give every visit without a team (with ``replan``, every visit not started) a team and a day.

    The planner (:mod:`inspect_app.campaigns.planner`) keeps the cross-county rule and the declared
    conflicts, balances visits per team, keeps each team to few counties and each day to one
    county. Visits already under way keep their team and day and count towards the team's load.
    When no valid plan exists nothing is changed and the reasons are given.
    """
    require_open(campaign)
    _set_per_day(campaign, per_day, actor=actor)
    per_day = campaign.visits_per_day
    teams, visits, movable = _load(campaign, replan)
    moving = {v.id for v in movable}
    fixed = [v for v in visits if v.id not in moving and v.team_id is not None]
    members = {team.id: [m.user for m in team.members] for team in teams}
    conflicts = declared_conflicts([u.id for us in members.values() for u in us])
    conflict_schools, who = _conflict_schools(teams, members, conflicts)
    base, free = _free_days(campaign, teams, fixed, len(movable))
    bounded = campaign.starts_on is not None and campaign.ends_on is not None
    team_in = [
        planner.TeamIn(team.id, frozenset(u.county_id for u in members[team.id] if u.county_id is not None),
                       frozenset(conflict_schools[team.id]), base[team.id],
                       per_day * len(free[team.id]) if bounded else None,
                       frozenset(u.city_id for u in members[team.id] if u.city_id is not None))
        for team in teams
    ]
    schools_in = [
        planner.SchoolIn(v.school_id, v.school.county_id, v.school.code,
                         float(v.school.latitude) if v.school.latitude is not None else None,
                         float(v.school.longitude) if v.school.longitude is not None else None,
                         v.school.county.city_id)
        for v in movable
    ]
    by_id = {team.id: team for team in teams}
    county_rows = list(db.session.scalars(sa.select(County).order_by(County.position, County.id)))
    county_names = {c.id: c.name for c in county_rows}
    try:
        result = planner.assign(schools_in, team_in, cross_county=campaign.cross_county, homes=county_centres(),
                                cross_city=campaign.cross_city)
    except planner.Infeasible as err:
        city_names = dict(db.session.execute(sa.select(City.id, City.name)).all())
        lines = _explain(err.reasons, by_id, {v.school_id: v.school for v in visits}, county_names, who,
                         city_names)
        raise ValidationFailed(_("No valid assignment exists; nothing was changed."), details=lines) from err
    dates: dict[int, date] = {}
    if campaign.starts_on is not None:
        rank = {c.id: i for i, c in enumerate(county_rows)}
        dates = _schedule(teams, schools_in, result.team_of, free, per_day, rank)

    # The planner's answer is checked against the very rules manual changes face.
    for visit in movable:
        team = by_id[result.team_of[visit.school_id]]
        broken = team_problems(campaign, visit.school, members[team.id], conflicts=conflicts)
        if broken:
            raise AssertionError(f"planner broke a rule: {broken}")

    states = {visit.id: visit_team_state(visit) for visit in movable}
    for visit in movable:
        team = by_id[result.team_of[visit.school_id]]
        visit.team_id = team.id
        visit.team = team
        if visit.school_id in dates:
            visit.planned_on = dates[visit.school_id]
        sync_inspectors(visit, team)
    db.session.flush()
    for visit in movable:
        record_visit_team(visit, states[visit.id], actor=actor)
    summary = _planned_teams(teams, visits, county_names)
    audit.record(actor, "campaign.plan", campaign, campaign_id=campaign.id,
                 after={"assigned": len(movable), "replan": replan, "per_day": per_day,
                        "teams": {p.team.name: p.visits for p in summary}})
    return PlanResult(len(movable), summary, result.pairs, campaign.starts_on is not None)


def _set_per_day(campaign: Campaign, per_day: int | None, *, actor: User | None) -> None:
    if per_day is None:
        return
    check_per_day(per_day)
    if per_day != campaign.visits_per_day:
        audit.record(actor, "campaign.update", campaign, campaign_id=campaign.id,
                     before={"visits_per_day": campaign.visits_per_day}, after={"visits_per_day": per_day})
        campaign.visits_per_day = per_day


def _load(campaign: Campaign, replan: bool) -> tuple[list[Team], list[Visit], list[Visit]]:
    """The campaign's teams, its visits and those the planner may move; refused when either is missing."""
    teams = list(db.session.scalars(
        sa.select(Team).where(Team.campaign_id == campaign.id)
        .options(orm.selectinload(Team.members).joinedload(TeamMember.user))
        .order_by(Team.position, Team.id)
    ))
    if not teams:
        raise ValidationFailed(_("Form the inspection teams before assigning schools to them."))
    visits = list(db.session.scalars(
        sa.select(Visit).where(Visit.campaign_id == campaign.id)
        .options(orm.joinedload(Visit.school).joinedload(School.county),
                 orm.selectinload(Visit.assignments).joinedload(VisitInspector.user))
        .order_by(Visit.id)
    ))
    movable = [v for v in visits if v.status == VisitStatus.PLANNED and (replan or v.team_id is None)]
    if not movable:
        raise ValidationFailed(
            _("Every visit already has a team. Tick “Re-plan visits not started” to plan them again."))
    return teams, visits, movable


def _conflict_schools(teams: t.Sequence[Team], members: dict[int, list[User]], conflicts: t.Iterable[tuple[int, int]]
                      ) -> tuple[dict[int, set[int]], dict[tuple[int, int], str]]:
    """The schools each team may not inspect for a member's declared conflict, and who declared it."""
    declared_by: dict[int, list[int]] = {}
    for user_id, school_id in conflicts:
        declared_by.setdefault(user_id, []).append(school_id)
    conflict_schools: dict[int, set[int]] = {team.id: set() for team in teams}
    who: dict[tuple[int, int], str] = {}
    for team in teams:
        for user in members[team.id]:
            for school_id in declared_by.get(user.id, ()):
                conflict_schools[team.id].add(school_id)
                who[(team.id, school_id)] = user.display_name
    return conflict_schools, who


def _free_days(campaign: Campaign, teams: t.Sequence[Team], fixed: t.Sequence[Visit], n_movable: int
               ) -> tuple[dict[int, int], dict[int, list[date]]]:
    """Each team's visits that stay where they are, and its working days still free."""
    days: list[date] = []
    if campaign.starts_on is not None:
        horizon = None if campaign.ends_on is None else campaign.ends_on
        days = planner.working_days(campaign.starts_on, horizon, count=None if horizon else n_movable + 400,
                                    days_off=campaign.off_days)
    busy: dict[int, set[date]] = {team.id: set() for team in teams}
    base: dict[int, int] = dict.fromkeys(busy, 0)
    for visit in fixed:
        assert visit.team_id is not None
        base[visit.team_id] += 1
        if visit.planned_on is not None:
            busy[visit.team_id].add(visit.planned_on)
    return base, {tid: [d for d in days if d not in busy[tid]] for tid in busy}


def _schedule(teams: t.Sequence[Team], schools_in: t.Sequence[planner.SchoolIn], team_of: t.Mapping[int, int],
              free: dict[int, list[date]], per_day: int, rank: dict[int, int]) -> dict[int, date]:
    """A day for each school on its team's free days; refused, naming the teams, when one runs out of days."""
    dates: dict[int, date] = {}
    overflow: list[str] = []
    for team in teams:
        mine = [s for s in schools_in if team_of[s.id] == team.id]
        if not mine:
            continue
        placed = planner.schedule(planner.day_groups(mine, per_day, rank), free[team.id], team_id=team.id)
        if isinstance(placed, planner.Overflow):
            overflow.append(_("%(team)s needs %(need)d day(s) for its schools (one county a day, at most %(per)d "
                              "a day) but has %(free)d working day(s) free in the campaign.", team=team.name,
                              need=placed.days_needed, per=per_day, free=placed.days_free))
        else:
            dates.update(placed)
    if overflow:
        raise ValidationFailed(_("No valid schedule exists; nothing was changed."), details=overflow)
    return dates


def _planned_teams(teams: t.Sequence[Team], visits: t.Sequence[Visit], county_names: dict[int, str]
                   ) -> list[PlannedTeam]:
    by_team: dict[int, list[Visit]] = {team.id: [] for team in teams}
    for visit in visits:
        if visit.team_id in by_team:
            by_team[visit.team_id].append(visit)
    rows = []
    for team in teams:
        mine = by_team[team.id]
        per_county: dict[int, int] = {}
        for visit in mine:
            per_county[visit.school.county_id] = per_county.get(visit.school.county_id, 0) + 1
        dated = [v.planned_on for v in mine if v.planned_on is not None]
        rows.append(PlannedTeam(team, len(mine), [f"{county_names[c]} {n}" for c, n in per_county.items()],
                                min(dated, default=None), max(dated, default=None), len(set(dated))))
    return rows
