"""Teams (检查组) and who inspects which visit on which day: members, leaders, manual assignment and dates."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import Role
from ..auth.models import User
from ..core.permissions import school_filter
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import County
from ..schools.models import School
from .conflicts import assignment_problem
from .conflicts import declared_conflicts
from .conflicts import team_problems
from .lifecycle import require_open
from .models import Campaign
from .models import Team
from .models import TeamMember
from .models import Visit
from .models import VisitInspector
from .models import VisitStatus


def selected_visits(campaign: Campaign, visit_ids: t.Collection[int], viewer: User) -> list[Visit]:
    """The ticked visits of the campaign, at the viewer's schools; at least one must be ticked."""
    if not visit_ids:
        raise ValidationFailed(_("Tick at least one visit."))
    return list(db.session.scalars(
        sa.select(Visit).join(School, School.id == Visit.school_id)
        .where(Visit.id.in_(list(visit_ids)), Visit.campaign_id == campaign.id,
               school_filter(viewer, Visit.school_id, School.county_id))
    ))


def _refuse_team_visit(visit: Visit) -> None:
    if visit.team_id is not None:
        assert visit.team is not None
        raise ValidationFailed(_("%(school)s is inspected by %(team)s: change the team or its members instead.",
                                 school=visit.school.name, team=visit.team.name))


def assign_inspector(visits: t.Sequence[Visit], inspector: User, *, actor: User, leader: bool = False) -> int:
    """Add ``inspector`` to every visit; refuse the whole batch if any visit breaks a rule."""
    if not visits:
        raise ValidationFailed(_("Choose at least one visit."))
    conflicts = declared_conflicts([inspector.id], [v.school_id for v in visits])
    problems = []
    for visit in visits:
        require_open(visit.campaign)
        _refuse_team_visit(visit)
        if visit.status in (VisitStatus.SUBMITTED, VisitStatus.APPROVED):
            problems.append(_("%(school)s: the visit is already submitted.", school=visit.school.name))
            continue
        problem = assignment_problem(visit.campaign, visit.school, inspector, conflicts=conflicts)
        if problem:
            problems.append(problem)
    if problems:
        raise ValidationFailed(_("No inspector was assigned: %(n)d visit(s) break the rules.", n=len(problems)),
                               details=problems)
    added = 0
    for visit in visits:
        if any(a.user_id == inspector.id for a in visit.assignments):
            continue
        is_leader = leader or not visit.assignments
        visit.assignments.append(VisitInspector(user_id=inspector.id, is_leader=is_leader))
        added += 1
        db.session.flush()
        audit.record(actor, "visit.assign", visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                     after={"inspector": inspector.username, "leader": is_leader})
    return added


def unassign_inspector(visit: Visit, inspector: User, *, actor: User) -> None:
    """Remove an inspector from a visit that has not been submitted."""
    if visit.status in (VisitStatus.SUBMITTED, VisitStatus.APPROVED):
        raise InvalidTransition(_("The visit is already submitted."))
    _refuse_team_visit(visit)
    assignment = next((a for a in visit.assignments if a.user_id == inspector.id), None)
    if assignment is None:
        return
    visit.assignments.remove(assignment)
    db.session.flush()
    if visit.assignments and not any(a.is_leader for a in visit.assignments):
        visit.assignments[0].is_leader = True
    audit.record(actor, "visit.unassign", visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 before={"inspector": inspector.username})


def check_date(campaign: Campaign, planned_on: date | None) -> None:
    """Refuse a visit day outside the campaign's dates or on one of its days off."""
    if planned_on and campaign.starts_on and campaign.ends_on and not (
        campaign.starts_on <= planned_on <= campaign.ends_on
    ):
        raise ValidationFailed(_("%(date)s lies outside the campaign (%(start)s – %(end)s).",
                                 date=planned_on, start=campaign.starts_on, end=campaign.ends_on))
    if planned_on and planned_on in campaign.off_days:
        raise ValidationFailed(_("%(date)s is a day without visits in this campaign.", date=planned_on))


def day_problems(campaign: Campaign, changed: t.Mapping[int, tuple[int | None, date | None]]) -> list[str]:
    """Team days that would hold schools of more than one county once ``changed`` applies.

    ``changed`` maps a visit id to its new (team id, date). A team's day stays in one county, as the
    planner keeps it, so that the team visits neighbouring schools rather than crossing the city.
    """
    wanted = {(team_id, day) for team_id, day in changed.values() if team_id is not None and day is not None}
    if not wanted:
        return []
    rows = db.session.execute(
        sa.select(Visit.id, Visit.team_id, Visit.planned_on, School.county_id)
        .join(School, School.id == Visit.school_id)
        .where(Visit.campaign_id == campaign.id, Visit.team_id.in_({team for team, _day in wanted}))
    ).all()
    counties: dict[tuple[int, date], set[int]] = {}
    county_of = {visit_id: county for visit_id, _t, _d, county in rows}
    placed = {visit_id: (team, day) for visit_id, team, day, _c in rows}
    for visit_id, (team_id, day) in changed.items():
        placed[visit_id] = (team_id, day)
        if visit_id not in county_of:
            visit = db.session.get(Visit, visit_id)
            assert visit is not None
            county_of[visit_id] = visit.school.county_id
    for visit_id, (team_id, day) in placed.items():
        if team_id is not None and day is not None and (team_id, day) in wanted:
            counties.setdefault((team_id, day), set()).add(county_of[visit_id])
    problems = []
    if any(len(c) > 1 for c in counties.values()):
        names = {team.id: team.name for team in campaign.teams}
        county_names = {county_id: name for county_id, name in db.session.execute(sa.select(County.id, County.name))}
        for (team_id, day), ids in sorted(counties.items(), key=lambda item: (item[0][1], item[0][0])):
            if len(ids) > 1:
                problems.append(_("%(team)s would visit %(counties)s on %(date)s; a team's day stays in one county.",
                                  team=names.get(team_id, ""), date=day,
                                  counties="、".join(sorted(county_names[c] for c in ids))))
    return problems


def set_planned_date(visits: t.Sequence[Visit], planned_on: date | None, *, actor: User) -> None:
    """Schedule visits for a day; a team's day keeps to one county."""
    for visit in visits:
        check_date(visit.campaign, planned_on)
    if visits:
        problems = day_problems(visits[0].campaign, {v.id: (v.team_id, planned_on) for v in visits})
        if problems:
            raise ValidationFailed(_("The date was not set: %(n)d team day(s) would span several counties.",
                                     n=len(problems)), details=problems)
    for visit in visits:
        before = visit.planned_on
        visit.planned_on = planned_on
        audit.record(actor, "visit.schedule", visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                     before={"planned_on": before}, after={"planned_on": planned_on})


# ---------------------------------------------------------------------------------------------------------
# Teams (检查组)

TEAM_NAME_MAX = 64


def team_snapshot(team: Team) -> dict[str, t.Any]:
    return {"name": team.name, "leader": team.leader.username if team.leader else None,
            "members": sorted(m.user.username for m in team.members)}


def _editable(visit: Visit) -> bool:
    return visit.status.editable


def _team_visits(team: Team) -> list[Visit]:
    if team.id is None:
        return []
    return list(db.session.scalars(
        sa.select(Visit).where(Visit.team_id == team.id)
        .options(orm.joinedload(Visit.school), orm.selectinload(Visit.assignments))
        .order_by(Visit.id)
    ))


def check_team(campaign: Campaign, *, name: str, leader: User | None, members: t.Sequence[User],
                team: Team | None, taken: t.Mapping[int, str] | None = None) -> list[str]:
    """Everything wrong with a team of this name, leader and members; empty when it may be saved.

    ``taken`` maps inspectors to the other team that keeps them (by default, as the campaign stands).
    """
    problems: list[str] = []
    if not name:
        problems.append(_("A team needs a name."))
    elif len(name) > TEAM_NAME_MAX:
        problems.append(_("A team name has at most %(n)d characters.", n=TEAM_NAME_MAX))
    elif taken is None and any(other.name == name and other is not team for other in campaign.teams):
        problems.append(_("The campaign already has a team called %(name)s.", name=name))
    if leader is None:
        problems.append(_("A team needs a leader."))
    for user in members:
        if user.role != Role.INSPECTOR or not user.active:
            problems.append(_("%(name)s is not an active inspector.", name=user.display_name))
    if taken is None:
        taken = {m.user_id: other.name for other in campaign.teams if other is not team for m in other.members}
    for user in members:
        if user.id in taken:
            problems.append(_("%(name)s is already in %(team)s.", name=user.display_name, team=taken[user.id]))
    if team is not None:
        visits = [v for v in _team_visits(team) if _editable(v)]
        conflicts = declared_conflicts([u.id for u in members], [v.school_id for v in visits])
        for visit in visits:
            problems.extend(team_problems(campaign, visit.school, members, conflicts=conflicts))
    return problems


def sync_inspectors(visit: Visit, team: Team | None) -> bool:
    """Make the visit's inspectors the team's members (the leader marked); return whether anything changed."""
    wanted = {m.user_id: m for m in team.members} if team is not None else {}
    changed = False
    for assignment in list(visit.assignments):
        member = wanted.get(assignment.user_id)
        if member is None:
            visit.assignments.remove(assignment)
            changed = True
        elif assignment.is_leader != member.is_leader:
            assignment.is_leader = member.is_leader
            changed = True
    present = {a.user_id for a in visit.assignments}
    for user_id, member in wanted.items():
        if user_id not in present:
            visit.assignments.append(VisitInspector(user_id=user_id, user=member.user, is_leader=member.is_leader))
            changed = True
    return changed


def visit_team_state(visit: Visit) -> dict[str, t.Any]:
    """What the audit log keeps of a visit's team, inspectors and day."""
    return {"team": visit.team.name if visit.team else None,
            "inspectors": sorted(a.user.username for a in visit.assignments if a.user is not None),
            "planned_on": visit.planned_on}


def record_visit_team(visit: Visit, before: dict[str, t.Any], *, actor: User | None) -> None:
    """Log a change of the visit's team, inspectors or day, if there was one."""
    after = visit_team_state(visit)
    if after != before:
        audit.record(actor, "visit.team", visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                     before=before, after=after)


def members_of(leader: User | None, members: t.Iterable[User]) -> list[User]:
    """The leader first, then the members, each once."""
    return list({u.id: u for u in ([leader] if leader else []) + list(members)}.values())


def save_team(campaign: Campaign, *, name: str, leader: User | None, members: t.Sequence[User],
              actor: User | None, team: Team | None = None) -> Team:
    """Create a team, or change one's name, leader and members; its open visits follow the members.

    The leader is always a member. A change that would put a member on a visit they may not make
    (their home county, a declared conflict) is refused whole, naming each visit.
    """
    require_open(campaign)
    name = name.strip()
    people = members_of(leader, members)
    problems = check_team(campaign, name=name, leader=leader, members=people, team=team)
    if problems:
        raise ValidationFailed(_("Team %(name)s was not saved.", name=name or "—"), details=problems)
    assert leader is not None
    return write_team(campaign, team, name=name, leader=leader, people=people, actor=actor)


def drop_members(team: Team, keep: set[int]) -> None:
    for member in list(team.members):
        if member.user_id not in keep:
            team.members.remove(member)
    db.session.flush()


def write_team(campaign: Campaign, team: Team | None, *, name: str, leader: User, people: t.Sequence[User],
                actor: User | None) -> Team:
    """Write a checked team and bring its open visits' inspectors in line."""
    before = team_snapshot(team) if team is not None else None
    if team is None:
        position = max((other.position for other in campaign.teams), default=0) + 1
        team = Team(campaign=campaign, name=name, position=position)
        db.session.add(team)
    team.name = name
    drop_members(team, {u.id for u in people})
    present = {m.user_id: m for m in team.members}
    for user in people:
        found = present.get(user.id)
        member = found if found is not None else TeamMember(campaign_id=campaign.id, user_id=user.id, user=user)
        if found is None:
            team.members.append(member)
        member.is_leader = user.id == leader.id
    db.session.flush()
    after = team_snapshot(team)
    if after != before:
        audit.record(actor, "team.create" if before is None else "team.update", team, campaign_id=campaign.id,
                     before=before, after=after)
    for visit in _team_visits(team):
        if _editable(visit):
            state = visit_team_state(visit)
            if sync_inspectors(visit, team):
                db.session.flush()
                record_visit_team(visit, state, actor=actor)
    return team


def delete_team(team: Team, *, actor: User) -> int:
    """Delete a team; its open visits lose their team and inspectors. Return how many visits it had."""
    campaign = team.campaign
    require_open(campaign)
    visits = _team_visits(team)
    done = [v.school.name for v in visits if not _editable(v)]
    if done:
        raise InvalidTransition(_("%(team)s has submitted visits and stays on record.", team=team.name),
                                details=done[:50])
    for visit in visits:
        state = visit_team_state(visit)
        visit.team_id = None
        visit.team = None
        sync_inspectors(visit, None)
        db.session.flush()
        record_visit_team(visit, state, actor=actor)
    audit.record(actor, "team.delete", team, campaign_id=campaign.id, before=team_snapshot(team))
    campaign.teams.remove(team)  # delete-orphan: the row goes, and the campaign's list stays true
    db.session.flush()
    return len(visits)


def assign_team(visits: t.Sequence[Visit], team: Team | None, *, actor: User,
                planned_on: date | None = None) -> int:
    """Give every visit to ``team`` (or to no team), optionally on a date; refuse the batch if one breaks a rule.

    The rules are those of the planner: each member may inspect each school, and a team's day keeps
    to one county. The visits' inspectors become the team's members.
    """
    if not visits:
        raise ValidationFailed(_("Choose at least one visit."))
    campaign = visits[0].campaign
    require_open(campaign)
    if team is not None and team.campaign_id != campaign.id:
        raise ValidationFailed(_("The team belongs to another campaign."))
    check_date(campaign, planned_on)
    members = team.users if team is not None else []
    conflicts = declared_conflicts([u.id for u in members], [v.school_id for v in visits])
    problems: list[str] = []
    for visit in visits:
        if not _editable(visit):
            problems.append(_("%(school)s: the visit is already submitted.", school=visit.school.name))
            continue
        problems.extend(team_problems(campaign, visit.school, members, conflicts=conflicts))
    team_id = team.id if team is not None else None
    problems += day_problems(campaign, {v.id: (team_id, planned_on or v.planned_on) for v in visits})
    if problems:
        raise ValidationFailed(_("No visit was changed: %(n)d problem(s) with the rules.", n=len(problems)),
                               details=problems)
    changed = 0
    for visit in visits:
        state = visit_team_state(visit)
        visit.team_id = team_id
        visit.team = team
        if planned_on is not None:
            visit.planned_on = planned_on
        sync_inspectors(visit, team)
        db.session.flush()
        if visit_team_state(visit) != state:
            changed += 1
        record_visit_team(visit, state, actor=actor)
    return changed


def team_rows(campaign: Campaign, viewer: User | None = None) -> list[TeamRow]:
    """The campaign's teams with members, and their visits, counties and days (the viewer's schools only)."""
    teams = list(db.session.scalars(
        sa.select(Team).where(Team.campaign_id == campaign.id)
        .options(orm.selectinload(Team.members).joinedload(TeamMember.user).joinedload(User.county))
        .order_by(Team.position, Team.id)
    ))
    in_scope = school_filter(viewer, School.id, School.county_id) if viewer is not None else sa.true()
    stmt = (
        sa.select(Visit.team_id, County.name, sa.func.count(), sa.func.min(Visit.planned_on),
                  sa.func.max(Visit.planned_on), sa.func.count(sa.distinct(Visit.planned_on)))
        .join(School, School.id == Visit.school_id).join(County, County.id == School.county_id)
        .where(Visit.campaign_id == campaign.id, Visit.team_id.is_not(None), in_scope)
        .group_by(Visit.team_id, County.id, County.name, County.position).order_by(County.position, County.id)
    )
    rows = {team.id: TeamRow(team) for team in teams}
    for team_id, county, n, first, last, days in db.session.execute(stmt):
        row = rows[t.cast(int, team_id)]
        row.visits += n
        row.counties.append(f"{county} {n}")
        row.days += days
        row.first = min(filter(None, (row.first, first)), default=None)
        row.last = max(filter(None, (row.last, last)), default=None)
    return list(rows.values())


def count_without_team(campaign: Campaign, viewer: User) -> int:
    """The campaign's visits (at the viewer's schools) that no team makes yet."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit).join(School, School.id == Visit.school_id)
        .where(Visit.campaign_id == campaign.id, Visit.team_id.is_(None),
               school_filter(viewer, Visit.school_id, School.county_id))) or 0


@dataclass
class TeamRow:
    team: Team
    visits: int = 0
    days: int = 0
    counties: list[str] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
