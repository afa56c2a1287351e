"""Plan inspection campaigns: create, pick schools, assign inspectors, start and close."""

from __future__ import annotations

import re
import secrets
import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

import pandas as pd
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import Role
from ..auth.models import User
from ..checklists.models import ChecklistItem
from ..checklists.models import ChecklistVersion
from ..checklists.models import VersionStatus
from ..core.permissions import school_filter
from ..core.spreadsheets import write_xlsx
from ..db import local_today
from ..db import utcnow as db_utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..rectification.models import Rectification
from ..rectification.models import RectificationStatus
from ..schools.models import County
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..visits.models import Visit
from ..visits.models import VisitInspector
from ..visits.models import VisitStatus
from . import planner
from . import sampling
from .models import Campaign
from .models import CampaignStatus
from .models import ConflictOfInterest
from .models import Team
from .models import TeamMember
from .permissions import campaign_filter

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{1,31}$")
CAMPAIGN_FIELDS = ("code", "name", "term", "checklist_version_id", "starts_on", "ends_on", "default_due_on",
                   "county_id", "cross_county", "visits_per_day", "days_off", "status")
EDITABLE_FIELDS = ("name", "term", "starts_on", "ends_on", "default_due_on", "visits_per_day", "days_off")
DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
DAYS_OFF_SPLIT = re.compile(r"[\n,，、;；]+")
DAYS_OFF_RANGE = re.compile(r"\s*(?:至|到|~|～)\s*")
MAX_DAYS_OFF_RUN = 366
MAX_PER_DAY = 6
VISIT_STATUS_ZH = {VisitStatus.PLANNED: "待检查", VisitStatus.IN_PROGRESS: "检查中", VisitStatus.SUBMITTED: "已提交",
                   VisitStatus.APPROVED: "已通过", VisitStatus.RETURNED: "已退回"}
LEVEL_ORDER = {level: i for i, level in enumerate(SchoolLevel)}


def create_campaign(
    *,
    code: str,
    name: str,
    term: str,
    checklist_version: ChecklistVersion,
    default_due_on: date,
    starts_on: date | None = None,
    ends_on: date | None = None,
    cross_county: bool = True,
    visits_per_day: int = 2,
    days_off: t.Collection[date] = (),
    actor: User | None,
) -> Campaign:
    """Create a campaign in planning; a county supervisor's campaign belongs to their county.

    Without an actor (the command line) the campaign is the city's.
    """
    code = code.strip()
    if not CODE_RE.match(code):
        raise ValidationFailed(
            _("A campaign code has 2–32 letters, digits, dashes or underscores: “%(code)s” does not.", code=code)
        )
    if db.session.scalar(sa.select(Campaign.id).where(Campaign.code == code)) is not None:
        raise ValidationFailed(_("The campaign code “%(code)s” is taken.", code=code))
    if checklist_version.status != VersionStatus.PUBLISHED:
        raise ValidationFailed(_("Only a published checklist version can be used."))
    _check_details(name, term, default_due_on, starts_on, ends_on, visits_per_day, days_off)
    campaign = Campaign(
        code=code,
        name=name.strip(),
        term=term.strip(),
        checklist_version=checklist_version,
        default_due_on=default_due_on,
        starts_on=starts_on,
        ends_on=ends_on,
        cross_county=cross_county,
        visits_per_day=visits_per_day,
        days_off=[day.isoformat() for day in sorted(set(days_off))],
        county_id=actor.county_id if actor is not None and actor.role == Role.SUPERVISOR else None,
        created_by_id=actor.id if actor is not None else None,
        status=CampaignStatus.PLANNING,
    )
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "campaign.create", campaign, campaign_id=campaign.id,
                 after=audit.snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


def update_campaign(
    campaign: Campaign,
    *,
    name: str,
    term: str,
    default_due_on: date,
    starts_on: date | None,
    ends_on: date | None,
    visits_per_day: int,
    days_off: t.Collection[date],
    actor: User,
) -> bool:
    """Change a campaign's name, term, dates, default deadline, visits a day and days without visits.

    Visits not yet started must still fall on a day the campaign allows: a change that would leave
    one outside the dates or on a day off is refused and names them. A new default deadline applies
    to problems confirmed from then on; deadlines already set stay. Returns whether anything changed.
    """
    require_open(campaign)
    _check_details(name, term, default_due_on, starts_on, ends_on, visits_per_day, days_off)
    off = set(days_off)
    planned: list[tuple[str, date]] = [
        (school, day) for school, day in db.session.execute(
            sa.select(School.name, Visit.planned_on).join(School, School.id == Visit.school_id)
            .where(Visit.campaign_id == campaign.id, Visit.status == VisitStatus.PLANNED,
                   Visit.planned_on.is_not(None))
            .order_by(Visit.planned_on, School.code))
        if day is not None
    ]
    misplaced = [(school, day) for school, day in planned
                 if day in off or (starts_on and day < starts_on) or (ends_on and day > ends_on)]
    if misplaced:
        raise ValidationFailed(
            _("Nothing was changed: %(n)d planned visit(s) would fall outside the campaign's days. "
              "Move them, or let the planner schedule them again, first.", n=len(misplaced)),
            details=[f"{school} {day.isoformat()}" for school, day in misplaced[:20]])
    before = audit.snapshot(campaign, EDITABLE_FIELDS)
    campaign.name, campaign.term = name.strip(), term.strip()
    campaign.starts_on, campaign.ends_on, campaign.default_due_on = starts_on, ends_on, default_due_on
    campaign.visits_per_day = visits_per_day
    campaign.days_off = [day.isoformat() for day in sorted(off)]
    after = audit.snapshot(campaign, EDITABLE_FIELDS)
    if after == before:
        return False
    audit.record(actor, "campaign.update", campaign, campaign_id=campaign.id, before=before, after=after)
    return True


def _check_details(name: str, term: str, default_due_on: date, starts_on: date | None, ends_on: date | None,
                   visits_per_day: int, days_off: t.Collection[date]) -> None:
    """The checks a campaign's editable details pass, at creation and on every change."""
    if not name.strip() or not term.strip():
        raise ValidationFailed(_("A campaign needs a name and a term."))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(_("The campaign cannot end before it starts."))
    if starts_on and default_due_on < starts_on:
        raise ValidationFailed(_("The rectification deadline cannot fall before the campaign starts."))
    _check_per_day(visits_per_day)
    _check_days_off(days_off, starts_on, ends_on)


def _check_days_off(days_off: t.Collection[date], starts_on: date | None, ends_on: date | None) -> None:
    outside = sorted(d for d in days_off if (starts_on and d < starts_on) or (ends_on and d > ends_on))
    if outside:
        raise ValidationFailed(_("Day off %(date)s lies outside the campaign (%(start)s – %(end)s).",
                                 date=outside[0].isoformat(), start=starts_on or "", end=ends_on or ""))


def parse_days_off(text: str | None) -> list[date]:
    """Days without visits from text: a date or a range (``2027-05-01 至 2027-05-05``) per line or comma."""
    days: set[date] = set()
    for entry in filter(None, (part.strip() for part in DAYS_OFF_SPLIT.split(text or ""))):
        ends = DAYS_OFF_RANGE.split(entry)
        if len(ends) > 2:
            raise ValidationFailed(_("“%(entry)s” is not a date or a range of dates (for example 2027-05-01 "
                                     "or 2027-05-01 至 2027-05-05).", entry=entry))
        first, last = _parse_day(ends[0], entry), _parse_day(ends[-1], entry)
        if last < first:
            raise ValidationFailed(_("“%(entry)s”: the range ends before it starts.", entry=entry))
        if (last - first).days >= MAX_DAYS_OFF_RUN:
            raise ValidationFailed(_("“%(entry)s”: a range of days off is at most a year.", entry=entry))
        days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return sorted(days)


def _parse_day(text: str, entry: str) -> date:
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationFailed(_("“%(entry)s” is not a date or a range of dates (for example 2027-05-01 "
                             "or 2027-05-01 至 2027-05-05).", entry=entry))


def format_days_off(campaign: Campaign) -> str:
    """A campaign's days off as the form shows them: one line per run of consecutive days."""
    return "\n".join(first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
                     for first, last in campaign.days_off_runs)


def require_open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.CLOSED:
        raise InvalidTransition(_("Campaign %(code)s is closed.", code=campaign.code))


def _check_per_day(visits_per_day: int) -> None:
    if not 1 <= visits_per_day <= MAX_PER_DAY:
        raise ValidationFailed(_("A team visits between 1 and %(max)d schools a day, not %(n)d.",
                                 max=MAX_PER_DAY, n=visits_per_day))


def add_schools(campaign: Campaign, schools: t.Sequence[School], *, actor: User | None) -> list[Visit]:
    """Plan a visit for each school not yet in the campaign; return the new visits.

    A new visit has no day yet: the planner (or a supervisor) sets it with the team.
    """
    require_open(campaign)
    outside = [s.name for s in schools if campaign.county_id is not None and s.county_id != campaign.county_id]
    if outside:
        raise ValidationFailed(_("These schools lie outside the campaign's county: %(names)s",
                                 names="、".join(outside)))
    present = set(db.session.scalars(sa.select(Visit.school_id).where(Visit.campaign_id == campaign.id)))
    visits = []
    for school in schools:
        if school.id in present:
            continue
        present.add(school.id)
        visit = Visit(
            campaign_id=campaign.id,
            school_id=school.id,
            checklist_version_id=campaign.checklist_version_id,
            status=VisitStatus.PLANNED,
        )
        db.session.add(visit)
        visits.append(visit)
    db.session.flush()
    for visit in visits:
        audit.record(actor, "visit.plan", visit, school_id=visit.school_id, campaign_id=campaign.id,
                     after={"school_id": visit.school_id, "planned_on": visit.planned_on})
    return visits


def remove_visit(visit: Visit, *, actor: User | None) -> None:
    """Take a school out of the campaign while nothing has been recorded for it."""
    if visit.status != VisitStatus.PLANNED or visit.answers:
        raise InvalidTransition(_("Only a visit that has not started can be removed."))
    audit.record(actor, "visit.remove", visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 before={"school_id": visit.school_id})
    db.session.delete(visit)
    db.session.flush()


ConflictMap = t.Mapping[tuple[int, int], str]


def declared_conflicts(user_ids: t.Iterable[int],
                       school_ids: t.Iterable[int] | None = None) -> dict[tuple[int, int], str]:
    """Declared conflicts of these inspectors (with these schools), as (user id, school id) → reason."""
    users = list(set(user_ids))
    if not users:
        return {}
    stmt = sa.select(ConflictOfInterest.user_id, ConflictOfInterest.school_id, ConflictOfInterest.reason).where(
        ConflictOfInterest.user_id.in_(users))
    if school_ids is not None:
        stmt = stmt.where(ConflictOfInterest.school_id.in_(list(set(school_ids))))
    return {(u, s): reason for u, s, reason in db.session.execute(stmt)}


def assignment_problem(campaign: Campaign, school: School, inspector: User, *,
                       conflicts: ConflictMap | None = None) -> str | None:
    """Why ``inspector`` may not inspect ``school`` in ``campaign``, or None if they may.

    The rules: only active inspectors; in a cross-inspection nobody inspects a school of their home
    county; nobody inspects a school they declared a conflict of interest with. ``conflicts`` saves
    a query per call when the caller has loaded them (see :func:`declared_conflicts`).
    """
    if inspector.role != Role.INSPECTOR or not inspector.active:
        return _("%(name)s is not an active inspector.", name=inspector.display_name)
    if campaign.cross_county and inspector.county_id is not None and inspector.county_id == school.county_id:
        return _("%(name)s belongs to %(county)s and may not inspect %(school)s in their own county "
                 "(cross-inspection rule).", name=inspector.display_name, county=school.county.name,
                 school=school.name)
    if conflicts is None:
        conflicts = declared_conflicts([inspector.id], [school.id])
    reason = conflicts.get((inspector.id, school.id))
    if reason is not None:
        return _("%(name)s declared a conflict of interest with %(school)s (%(reason)s).",
                 name=inspector.display_name, school=school.name, reason=reason)
    return None


def team_problems(campaign: Campaign, school: School, members: t.Iterable[User], *,
                  conflicts: ConflictMap | None = None) -> list[str]:
    """Why a team of ``members`` may not inspect ``school``: one line per member at fault."""
    people = list(members)
    if conflicts is None:
        conflicts = declared_conflicts([u.id for u in people], [school.id])
    problems = [assignment_problem(campaign, school, user, conflicts=conflicts) for user in people]
    return [p for p in problems if p]


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


def _check_dates(campaign: Campaign, planned_on: date | None) -> None:
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
        _check_dates(visit.campaign, planned_on)
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


def start_campaign(campaign: Campaign, *, actor: User) -> None:
    """Open the campaign to its inspectors; every visit needs an inspector first."""
    if campaign.status != CampaignStatus.PLANNING:
        raise InvalidTransition(_("Only a campaign in planning can be started."))
    visits = list(db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)))
    if not visits:
        raise InvalidTransition(_("Add schools to the campaign before starting it."))
    unassigned = [v.school.name for v in visits if not v.assignments]
    if unassigned:
        raise InvalidTransition(
            _("%(n)d visit(s) have no inspector yet.", n=len(unassigned)), details=unassigned[:50]
        )
    campaign.status = CampaignStatus.ACTIVE
    audit.record(actor, "campaign.start", campaign, campaign_id=campaign.id,
                 before={"status": CampaignStatus.PLANNING}, after={"status": campaign.status})


def close_campaign(campaign: Campaign, *, actor: User) -> None:
    """Close fieldwork; rectification of confirmed findings goes on."""
    if campaign.status != CampaignStatus.ACTIVE:
        raise InvalidTransition(_("Only a campaign under way can be closed."))
    pending = db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit).where(
            Visit.campaign_id == campaign.id, Visit.status.in_([VisitStatus.SUBMITTED])
        )
    )
    if pending:
        raise InvalidTransition(_("%(n)d submitted visit(s) still await review.", n=pending))
    campaign.status = CampaignStatus.CLOSED
    audit.record(actor, "campaign.close", campaign, campaign_id=campaign.id,
                 before={"status": CampaignStatus.ACTIVE}, after={"status": campaign.status})


@dataclass
class CampaignRow:
    campaign: Campaign
    schools: int
    findings: int
    visits_done: int


def campaign_rows(viewer: User | None = None) -> list[CampaignRow]:
    """Campaigns with their school, confirmed-finding and approved-visit counts, newest first.

    With a viewer, only campaigns they may see, and the counts cover only schools in their scope.
    """
    in_scope = school_filter(viewer, School.id, School.county_id) if viewer is not None else sa.true()
    schools = (
        sa.select(Visit.campaign_id, sa.func.count().label("n"),
                  sa.func.sum(sa.case((Visit.status == VisitStatus.APPROVED, 1), else_=0)).label("done"))
        .join(School, School.id == Visit.school_id)
        .where(in_scope)
        .group_by(Visit.campaign_id).subquery()
    )
    findings = (
        sa.select(Finding.campaign_id, sa.func.count().label("n"))
        .join(School, School.id == Finding.school_id)
        .where(Finding.status == FindingStatus.CONFIRMED, in_scope)
        .group_by(Finding.campaign_id).subquery()
    )
    stmt = (
        sa.select(Campaign, sa.func.coalesce(schools.c.n, 0), sa.func.coalesce(findings.c.n, 0),
                  sa.func.coalesce(schools.c.done, 0))
        .outerjoin(schools, schools.c.campaign_id == Campaign.id)
        .outerjoin(findings, findings.c.campaign_id == Campaign.id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    if viewer is not None:
        stmt = stmt.where(campaign_filter(viewer))
    return [CampaignRow(c, int(s), int(f), int(d)) for c, s, f, d in db.session.execute(stmt)]


def visit_query(
    viewer: User,
    campaign: Campaign,
    *,
    county_id: int | None = None,
    status: VisitStatus | None = None,
    unassigned: bool = False,
) -> sa.Select[Visit]:
    """The campaign's visits the viewer may see, by county and school code, with schools and inspectors."""
    stmt = (
        sa.select(Visit)
        .join(School, School.id == Visit.school_id)
        .where(Visit.campaign_id == campaign.id, school_filter(viewer, Visit.school_id, School.county_id))
        .options(
            orm.contains_eager(Visit.school).joinedload(School.county),
            orm.joinedload(Visit.team),
            orm.selectinload(Visit.assignments).joinedload(VisitInspector.user).joinedload(User.county),
        )
        .order_by(School.county_id, School.code)
    )
    if county_id:
        stmt = stmt.where(School.county_id == county_id)
    if status:
        stmt = stmt.where(Visit.status == status)
    if unassigned:
        stmt = stmt.where(~sa.exists().where(VisitInspector.visit_id == Visit.id))
    return stmt


def open_problem_counts(visits: t.Sequence[Visit]) -> dict[int, int]:
    """Findings not dismissed, per visit, for one page of visits."""
    ids = [v.id for v in visits]
    if not ids:
        return {}
    stmt = (
        sa.select(Finding.visit_id, sa.func.count())
        .where(Finding.visit_id.in_(ids), Finding.status != FindingStatus.DISMISSED)
        .group_by(Finding.visit_id)
    )
    return {visit_id: n for visit_id, n in db.session.execute(stmt)}


def find_campaign(key: str) -> Campaign:
    """A campaign by numeric id or by code."""
    key = key.strip()
    campaign = None
    if key.isdigit():
        campaign = db.session.get(Campaign, int(key))
    if campaign is None:
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == key))
    if campaign is None:
        raise ValidationFailed(_("No campaign with id or code “%(key)s”.", key=key))
    return campaign


def eligible_inspectors(campaign: Campaign) -> list[User]:
    """Active inspectors, ordered by county and name, for the assignment picker."""
    stmt = (
        sa.select(User)
        .where(User.role == Role.INSPECTOR, User.active.is_(True))
        .order_by(User.county_id, User.display_name)
    )
    return list(db.session.scalars(stmt))


# ---------------------------------------------------------------------------------------------------------
# Declared conflicts of interest (利害关系回避)

CONFLICT_FIELDS = ("user_id", "school_id", "reason")
REASON_MAX = 200


def declare_conflict(inspector: User, school: School, *, reason: str, actor: User | None) -> ConflictOfInterest:
    """Record that ``inspector`` may not inspect ``school`` (a relative works there, they used to…)."""
    reason = reason.strip()
    if inspector.role != Role.INSPECTOR:
        raise ValidationFailed(_("%(name)s is not an inspector.", name=inspector.display_name))
    if not reason:
        raise ValidationFailed(_("Give the reason for the conflict of interest."))
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_("The reason is longer than %(n)d characters.", n=REASON_MAX))
    existing = db.session.scalar(sa.select(ConflictOfInterest).where(
        ConflictOfInterest.user_id == inspector.id, ConflictOfInterest.school_id == school.id))
    if existing is not None:
        raise ValidationFailed(_("%(name)s already declared a conflict with %(school)s.",
                                 name=inspector.display_name, school=school.name))
    conflict = ConflictOfInterest(user_id=inspector.id, school_id=school.id, reason=reason,
                                  created_by_id=actor.id if actor is not None else None)
    db.session.add(conflict)
    db.session.flush()
    audit.record(actor, "conflict.declare", conflict, school_id=school.id,
                 after={"inspector": inspector.username, "school": school.code, "reason": reason})
    return conflict


def withdraw_conflict(conflict: ConflictOfInterest, *, actor: User) -> None:
    """Delete a declared conflict; the inspector may be assigned to the school again."""
    audit.record(actor, "conflict.withdraw", conflict, school_id=conflict.school_id,
                 before={"inspector": conflict.user.username, "school": conflict.school.code,
                         "reason": conflict.reason})
    db.session.delete(conflict)
    db.session.flush()


def conflict_query(*, q: str | None = None) -> sa.Select[ConflictOfInterest]:
    """Declared conflicts, newest first, optionally matching an inspector's or a school's name or code."""
    inspector = orm.aliased(User)
    stmt = (
        sa.select(ConflictOfInterest)
        .join(inspector, inspector.id == ConflictOfInterest.user_id)
        .join(School, School.id == ConflictOfInterest.school_id)
        .options(orm.contains_eager(ConflictOfInterest.user.of_type(inspector)).joinedload(inspector.county),
                 orm.contains_eager(ConflictOfInterest.school))
        .order_by(ConflictOfInterest.created_at.desc(), ConflictOfInterest.id.desc())
    )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(inspector.display_name.like(like), inspector.username.like(like),
                                 School.name.like(like), School.code.like(like)))
    return stmt


def inspector_query(*, q: str | None = None, county_id: int | None = None) -> sa.Select[User]:
    """Inspector accounts by home county and name, for the inspectors page."""
    stmt = (
        sa.select(User).where(User.role == Role.INSPECTOR)
        .options(orm.joinedload(User.county))
        .order_by(User.active.desc(), User.county_id, User.display_name, User.id)
    )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(User.display_name.like(like), User.username.like(like)))
    if county_id:
        stmt = stmt.where(User.county_id == county_id)
    return stmt


def conflict_counts(user_ids: t.Iterable[int]) -> dict[int, int]:
    """Declared conflicts per inspector, for one page of inspectors."""
    ids = list(user_ids)
    if not ids:
        return {}
    stmt = (sa.select(ConflictOfInterest.user_id, sa.func.count())
            .where(ConflictOfInterest.user_id.in_(ids)).group_by(ConflictOfInterest.user_id))
    return {user_id: n for user_id, n in db.session.execute(stmt)}


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


def _sync_inspectors(visit: Visit, team: Team | None) -> bool:
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


def _visit_team_state(visit: Visit) -> dict[str, t.Any]:
    return {"team": visit.team.name if visit.team else None,
            "inspectors": sorted(a.user.username for a in visit.assignments if a.user is not None),
            "planned_on": visit.planned_on}


def _record_visit_team(visit: Visit, before: dict[str, t.Any], *, actor: User | None) -> None:
    after = _visit_team_state(visit)
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
            state = _visit_team_state(visit)
            if _sync_inspectors(visit, team):
                db.session.flush()
                _record_visit_team(visit, state, actor=actor)
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
        state = _visit_team_state(visit)
        visit.team_id = None
        visit.team = None
        _sync_inspectors(visit, None)
        db.session.flush()
        _record_visit_team(visit, state, actor=actor)
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
    _check_dates(campaign, planned_on)
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
        state = _visit_team_state(visit)
        visit.team_id = team_id
        visit.team = team
        if planned_on is not None:
            visit.planned_on = planned_on
        _sync_inspectors(visit, team)
        db.session.flush()
        if _visit_team_state(visit) != state:
            changed += 1
        _record_visit_team(visit, state, actor=actor)
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


@dataclass
class TeamRow:
    team: Team
    visits: int = 0
    days: int = 0
    counties: list[str] = field(default_factory=list)
    first: date | None = None
    last: date | None = None


# ---------------------------------------------------------------------------------------------------------
# Sampling (抽样)


@dataclass
class SampleRequest:
    """What the user asked for: a sample size (None for every school matching the filters) and its rules."""

    seed: int
    size: int | None = None
    minimum: int = 1
    county_ids: list[int] = field(default_factory=list)
    levels: list[SchoolLevel] = field(default_factory=list)
    include: list[str] = field(default_factory=list)      # school codes always in the sample
    exclude: list[str] = field(default_factory=list)      # school codes never in it
    include_open_problems: bool = False

    def as_json(self) -> dict[str, t.Any]:
        return {"seed": self.seed, "size": self.size, "minimum": self.minimum, "county_ids": self.county_ids,
                "levels": [lvl.value for lvl in self.levels], "include": self.include, "exclude": self.exclude,
                "include_open_problems": self.include_open_problems}


@dataclass
class StratumRow:
    county: str
    level: SchoolLevel
    population: int
    floor: int
    size: int
    forced: int


@dataclass
class SampleResult:
    request: SampleRequest
    schools: list[School]
    strata: list[StratumRow]
    population: int
    fraction: str
    open_problem_schools: int = 0


def new_seed() -> int:
    """A fresh seed, six digits, to show the user and keep with the campaign."""
    return 100000 + secrets.randbelow(900000)


def open_problem_school_ids(campaign: Campaign) -> set[int]:
    """Schools with a confirmed problem from another campaign that has not been closed (销号) yet."""
    stmt = (
        sa.select(Finding.school_id).join(Rectification, Rectification.finding_id == Finding.id)
        .where(Finding.status == FindingStatus.CONFIRMED, Rectification.status != RectificationStatus.CLOSED,
               Finding.campaign_id != campaign.id)
    )
    if campaign.county_id is not None:
        stmt = stmt.join(School, School.id == Finding.school_id).where(School.county_id == campaign.county_id)
    return set(db.session.scalars(stmt.distinct()))


def _codes(codes: t.Iterable[str], what: str, campaign: Campaign) -> dict[str, School]:
    wanted = [c.strip() for c in codes if c.strip()]
    if not wanted:
        return {}
    found = {s.code: s for s in db.session.scalars(sa.select(School).where(School.code.in_(wanted)))}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ValidationFailed(_("Unknown school code(s) in the %(list)s list: %(codes)s", list=what,
                                 codes="、".join(unknown)))
    outside = [s.name for s in found.values() if campaign.county_id is not None and s.county_id != campaign.county_id]
    if outside:
        raise ValidationFailed(_("These schools lie outside the campaign's county: %(names)s",
                                 names="、".join(outside)))
    return found


def draw_sample(campaign: Campaign, request: SampleRequest) -> SampleResult:
    """Draw the schools for ``campaign`` as ``request`` says; nothing is written (see :func:`apply_sample`).

    The population is every active school in the campaign's scope matching the county and level
    filters, plus the schools always included, minus the schools excluded. See
    :mod:`inspect_app.campaigns.sampling` for the allocation and the draw.
    """
    if request.size is not None and request.size < 1:
        raise ValidationFailed(_("A sample has at least one school."))
    if request.minimum < 0:
        raise ValidationFailed(_("The minimum per stratum cannot be negative."))
    include = _codes(request.include, _("always include"), campaign)
    exclude = _codes(request.exclude, _("exclude"), campaign)
    both = sorted(set(include) & set(exclude))
    if both:
        raise ValidationFailed(_("These schools are both included and excluded: %(codes)s", codes="、".join(both)))
    forced_ids = {s.id for s in include.values()}
    open_ids: set[int] = set()
    if request.include_open_problems:
        open_ids = open_problem_school_ids(campaign) - {s.id for s in exclude.values()}
        forced_ids |= open_ids
    stmt = sa.select(School).where(School.active.is_(True))
    if campaign.county_id is not None:
        stmt = stmt.where(School.county_id == campaign.county_id)
    if request.county_ids:
        stmt = stmt.where(School.county_id.in_(request.county_ids))
    if request.levels:
        stmt = stmt.where(School.level.in_(request.levels))
    population = {s.id: s for s in db.session.scalars(stmt)}
    for school in list(include.values()) + list(db.session.scalars(
            sa.select(School).where(School.id.in_(open_ids)))):
        population[school.id] = school
    for school in exclude.values():
        population.pop(school.id, None)
    counties = {c.id: c for c in db.session.scalars(sa.select(County))}
    units = [sampling.Unit(s.id, (counties[s.county_id].position, s.county_id, LEVEL_ORDER[s.level]), s.code)
             for s in population.values()]
    try:
        sample = sampling.draw(units, request.size, seed=request.seed, minimum=request.minimum, forced=forced_ids)
    except sampling.SampleTooLarge as err:
        raise ValidationFailed(_("A sample of %(n)d schools is more than the %(total)d schools that match.",
                                 n=err.size, total=err.population)) from err
    except sampling.FloorsTooHigh as err:
        raise ValidationFailed(_("A sample of %(n)d schools is too small: the %(strata)d strata need at least "
                                 "%(floors)d (the minimum per stratum and the schools always included).",
                                 n=err.size, strata=err.strata, floors=err.floors)) from err
    levels = {order: level for level, order in LEVEL_ORDER.items()}
    strata = []
    for key in sorted(sample.populations):
        _position, county_id, level_order = key
        strata.append(StratumRow(
            counties[county_id].name, levels[level_order], sample.populations[key],
            sample.allocation.floors.get(key, 0), sample.allocation.sizes.get(key, 0),
            sum(1 for s in population.values() if s.id in forced_ids and s.county_id == county_id
                and LEVEL_ORDER[s.level] == level_order),
        ))
    chosen = sorted((population[i] for i in sample.ids), key=lambda s: (counties[s.county_id].position, s.code))
    fraction = sample.allocation.fraction
    return SampleResult(request, chosen, strata, len(population), f"{float(fraction):.1%}",
                        open_problem_schools=len(open_ids))


def apply_sample(campaign: Campaign, result: SampleResult, *, actor: User | None) -> tuple[int, int]:
    """Make the sample the campaign's schools: add the new ones, drop the others; return (added, removed).

    Only while planning, so that no visit has started; the parameters are kept with the campaign.
    """
    if campaign.status != CampaignStatus.PLANNING:
        raise InvalidTransition(_("Schools are sampled only while the campaign is being planned."))
    wanted = {s.id for s in result.schools}
    removed = 0
    for visit in list(db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id))):
        if visit.school_id not in wanted:
            remove_visit(visit, actor=actor)
            removed += 1
    added = add_schools(campaign, result.schools, actor=actor)
    before = campaign.sample
    campaign.sample = {
        **result.request.as_json(),
        "population": result.population,
        "drawn": len(result.schools),
        "fraction": result.fraction,
        "strata": [{"county": r.county, "level": r.level.value, "population": r.population, "size": r.size}
                   for r in result.strata],
        "drawn_at": db_utcnow().isoformat(timespec="seconds"),
        "drawn_by": actor.username if actor is not None else "system",
    }
    audit.record(actor, "campaign.sample", campaign, campaign_id=campaign.id, before=before,
                 after={**result.request.as_json(), "drawn": len(result.schools), "added": len(added),
                        "removed": removed})
    return len(added), removed


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
             counties: dict[int, str], users_of: dict[tuple[int, int], str]) -> list[str]:
    lines = []
    for reason in reasons:
        if isinstance(reason, planner.NoEligibleTeam):
            county = counties[reason.county_id]
            n = len(reason.school_ids)
            if reason.by_county and not reason.by_conflict:
                lines.append(_("%(county)s (%(n)d school(s)): every team has a member from %(county)s, and nobody "
                               "inspects their own county. Add a team without one.", county=county, n=n))
                continue
            names = "、".join(schools[i].name for i in reason.school_ids[:10])
            parts = []
            if reason.by_county:
                parts.append(_("%(teams)s have a member from %(county)s",
                               teams="、".join(teams[i].name for i in reason.by_county), county=county))
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
    if per_day is not None:
        _check_per_day(per_day)
        if per_day != campaign.visits_per_day:
            audit.record(actor, "campaign.update", campaign, campaign_id=campaign.id,
                         before={"visits_per_day": campaign.visits_per_day}, after={"visits_per_day": per_day})
            campaign.visits_per_day = per_day
    per_day = campaign.visits_per_day
    teams = list(db.session.scalars(
        sa.select(Team).where(Team.campaign_id == campaign.id)
        .options(orm.selectinload(Team.members).joinedload(TeamMember.user))
        .order_by(Team.position, Team.id)
    ))
    if not teams:
        raise ValidationFailed(_("Form the inspection teams before assigning schools to them."))
    visits = list(db.session.scalars(
        sa.select(Visit).where(Visit.campaign_id == campaign.id)
        .options(orm.joinedload(Visit.school), orm.selectinload(Visit.assignments).joinedload(VisitInspector.user))
        .order_by(Visit.id)
    ))
    movable = [v for v in visits if v.status == VisitStatus.PLANNED and (replan or v.team_id is None)]
    if not movable:
        raise ValidationFailed(
            _("Every visit already has a team. Tick “Re-plan visits not started” to plan them again."))
    moving = {v.id for v in movable}
    fixed = [v for v in visits if v.id not in moving and v.team_id is not None]
    members = {team.id: [m.user for m in team.members] for team in teams}
    conflicts = declared_conflicts([u.id for us in members.values() for u in us])
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

    days: list[date] = []
    if campaign.starts_on is not None:
        horizon = None if campaign.ends_on is None else campaign.ends_on
        days = planner.working_days(campaign.starts_on, horizon, count=None if horizon else len(movable) + 400,
                                    days_off=campaign.off_days)
    busy: dict[int, set[date]] = {team.id: set() for team in teams}
    base: dict[int, int] = dict.fromkeys(busy, 0)
    for visit in fixed:
        assert visit.team_id is not None
        base[visit.team_id] += 1
        if visit.planned_on is not None:
            busy[visit.team_id].add(visit.planned_on)
    free = {tid: [d for d in days if d not in busy[tid]] for tid in busy}
    bounded = campaign.starts_on is not None and campaign.ends_on is not None
    team_in = [
        planner.TeamIn(team.id, frozenset(u.county_id for u in members[team.id] if u.county_id is not None),
                       frozenset(conflict_schools[team.id]), base[team.id],
                       per_day * len(free[team.id]) if bounded else None)
        for team in teams
    ]
    schools_in = [
        planner.SchoolIn(v.school_id, v.school.county_id, v.school.code,
                         float(v.school.latitude) if v.school.latitude is not None else None,
                         float(v.school.longitude) if v.school.longitude is not None else None)
        for v in movable
    ]
    by_id = {team.id: team for team in teams}
    county_rows = list(db.session.scalars(sa.select(County).order_by(County.position, County.id)))
    county_names = {c.id: c.name for c in county_rows}
    try:
        result = planner.assign(schools_in, team_in, cross_county=campaign.cross_county, homes=county_centres())
    except planner.Infeasible as err:
        lines = _explain(err.reasons, by_id, {v.school_id: v.school for v in visits}, county_names, who)
        raise ValidationFailed(_("No valid assignment exists; nothing was changed."), details=lines) from err

    dates: dict[int, date] = {}
    overflow: list[str] = []
    if campaign.starts_on is not None:
        rank = {c.id: i for i, c in enumerate(county_rows)}
        for team in teams:
            mine = [s for s in schools_in if result.team_of[s.id] == team.id]
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

    # The planner's answer is checked against the very rules manual changes face.
    for visit in movable:
        team = by_id[result.team_of[visit.school_id]]
        broken = team_problems(campaign, visit.school, members[team.id], conflicts=conflicts)
        if broken:
            raise AssertionError(f"planner broke a rule: {broken}")

    states = {visit.id: _visit_team_state(visit) for visit in movable}
    for visit in movable:
        team = by_id[result.team_of[visit.school_id]]
        visit.team_id = team.id
        visit.team = team
        if visit.school_id in dates:
            visit.planned_on = dates[visit.school_id]
        _sync_inspectors(visit, team)
    db.session.flush()
    for visit in movable:
        _record_visit_team(visit, states[visit.id], actor=actor)
    summary = _planned_teams(teams, visits, county_names)
    audit.record(actor, "campaign.plan", campaign, campaign_id=campaign.id,
                 after={"assigned": len(movable), "replan": replan, "per_day": per_day,
                        "teams": {p.team.name: p.visits for p in summary}})
    return PlanResult(len(movable), summary, result.pairs, campaign.starts_on is not None)


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
    if viewer.county_id is not None:
        team_rows_ = [row for row in team_rows_ if row.total]
    county_rows = [by_county[c] for c in counties if c in by_county]
    return Board(team_rows_, county_rows, total)


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


def _person(user: User) -> str:
    return f"{user.display_name}（{user.county.name if user.county else '市直'}）"


def plan_workbook(campaign: Campaign, viewer: User | None = None) -> tuple[bytes, int]:
    """The plan as .xlsx: one row per visit (school, county, level, team, members with home counties, date),
    a sheet of teams and, for a sampled campaign, the sample's parameters. Returns the bytes and the row count.
    """
    visits = plan_visits(campaign, viewer)
    rows = []
    for number, visit in enumerate(visits, start=1):
        leader = next((a.user for a in visit.assignments if a.is_leader), None)
        others = [a.user for a in visit.assignments if not a.is_leader]
        rows.append([number, visit.school.code, visit.school.name, visit.school.county.name, visit.school.level.zh,
                     visit.team.name if visit.team else "", _person(leader) if leader else "",
                     "、".join(_person(u) for u in others), visit.planned_on.isoformat() if visit.planned_on else "",
                     VISIT_STATUS_ZH[visit.status]])
    plan = pd.DataFrame(rows, columns=["序号", "学校标识码", "学校名称", "区县", "学段", "检查组", "组长（所属区县）",
                                       "成员（所属区县）", "检查日期", "状态"])
    team_sheet = []
    for row in team_rows(campaign, viewer):
        team = row.team
        team_sheet.append([team.name, _person(team.leader) if team.leader else "",
                           "、".join(_person(u) for u in team.users if u is not team.leader),
                           "、".join(row.counties), row.visits, row.days,
                           row.first.isoformat() if row.first else "", row.last.isoformat() if row.last else ""])
    teams = pd.DataFrame(team_sheet, columns=["检查组", "组长（所属区县）", "成员（所属区县）", "检查区县（所数）",
                                              "学校数", "检查天数", "开始日期", "结束日期"])
    sheets = {"检查安排": plan, "检查组": teams}
    if campaign.sample:
        sheets["抽样参数"] = _sample_sheet(campaign.sample)
    return write_xlsx(sheets), len(rows)


def _sample_sheet(sample: dict[str, t.Any]) -> pd.DataFrame:
    levels = {lvl.value: lvl.zh for lvl in SchoolLevel}
    lines: list[list[t.Any]] = [
        ["随机种子", sample.get("seed")],
        ["样本量", sample.get("drawn")],
        ["总体学校数", sample.get("population")],
        ["抽样比例", sample.get("fraction")],
        ["每层最少", sample.get("minimum")],
        ["限定学段", "、".join(levels.get(v, v) for v in sample.get("levels") or []) or "全部"],
        ["必查学校", "、".join(sample.get("include") or []) or "无"],
        ["排除学校", "、".join(sample.get("exclude") or []) or "无"],
        ["纳入有未销号问题的学校", "是" if sample.get("include_open_problems") else "否"],
        ["抽样时间", sample.get("drawn_at")],
        ["操作人", sample.get("drawn_by")],
        ["", ""],
        ["区县 / 学段", "总体 → 样本"],
    ]
    for stratum in sample.get("strata") or []:
        lines.append([f"{stratum['county']} {levels.get(stratum['level'], stratum['level'])}",
                      f"{stratum['population']} → {stratum['size']}"])
    return pd.DataFrame(lines, columns=["项目", "值"])


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def plan_notice(campaign: Campaign) -> bytes:
    """The campaign's 检查工作安排 notice as a GB/T 9704 Word document, every figure from the plan."""
    from .plan_docx import NoticeTeam
    from .plan_docx import NoticeVisit
    from .plan_docx import PlanNotice
    from .plan_docx import render_plan_notice

    config = current_app.config
    visits = plan_visits(campaign)
    by_county: dict[tuple[int, str], int] = {}
    by_level: dict[SchoolLevel, int] = {}
    for visit in visits:
        key = (visit.school.county.position, visit.school.county.name)
        by_county[key] = by_county.get(key, 0) + 1
        by_level[visit.school.level] = by_level.get(visit.school.level, 0) + 1
    teams = []
    for row in team_rows(campaign):
        team = row.team
        teams.append(NoticeTeam(
            team.name, _person(team.leader) if team.leader else "",
            [_person(u) for u in team.users if u is not team.leader],
            [c.rsplit(" ", 1)[0] for c in row.counties], row.visits, row.first, row.last,
        ))
    methods: dict[str, int] = {}
    for (method,) in db.session.execute(sa.select(ChecklistItem.method).where(
            ChecklistItem.version_id == campaign.checklist_version_id, ChecklistItem.method.is_not(None))):
        for part in re.split(r"[、，,;；/＋+]", method or ""):
            name = re.sub(r"[（(].*?[）)]", "", part).strip()
            if name:
                methods[name] = methods.get(name, 0) + 1
    version = campaign.checklist_version
    data = PlanNotice(
        org_name=config["ORG_NAME"],
        recipient=f"各{'县（市、区）教育局' if campaign.county_id is None else '有关学校（幼儿园）'}",
        campaign_name=campaign.name,
        checklist_title=version.title.get("zh") or version.display_title,
        issued_on=local_today(),
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        cross_county=campaign.cross_county,
        per_day=campaign.visits_per_day,
        n_schools=len(visits),
        schools_by_county=[(name, n) for (_pos, name), n in sorted(by_county.items())],
        schools_by_level=[(level.zh, by_level[level]) for level in SchoolLevel if level in by_level],
        methods=sorted(methods, key=lambda m: -methods[m])[:6],
        sample=campaign.sample,
        teams=teams,
        visits=[NoticeVisit(v.planned_on, v.team.name if v.team else "", v.school.county.name, v.school.name,
                            v.school.level.zh)
                for v in sorted(visits, key=lambda v: (v.planned_on or date.max, v.team.position if v.team else 1 << 30,
                                                       v.school.county.position, v.school.code))],
        n_inspectors=len({m.user_id for team in campaign.teams for m in team.members}),
        days_off=campaign.days_off_runs,
    )
    return render_plan_notice(data).getvalue()
