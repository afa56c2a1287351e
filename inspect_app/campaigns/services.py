"""Plan inspection campaigns: create, pick schools, assign inspectors, start and close."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import Role
from ..auth.models import User
from ..checklists.models import ChecklistVersion
from ..checklists.models import VersionStatus
from ..core.permissions import campaign_filter
from ..core.permissions import school_filter
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..schools.models import School
from ..visits.models import Visit
from ..visits.models import VisitInspector
from ..visits.models import VisitStatus
from .models import Campaign
from .models import CampaignStatus

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{1,31}$")
CAMPAIGN_FIELDS = ("code", "name", "term", "checklist_version_id", "starts_on", "ends_on", "default_due_on",
                   "county_id", "cross_county", "status")


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
    actor: User,
) -> Campaign:
    """Create a campaign in planning; a county supervisor's campaign belongs to their county."""
    code = code.strip()
    if not CODE_RE.match(code):
        raise ValidationFailed(
            _("A campaign code has 2–32 letters, digits, dashes or underscores: “%(code)s” does not.", code=code)
        )
    if db.session.scalar(sa.select(Campaign.id).where(Campaign.code == code)) is not None:
        raise ValidationFailed(_("The campaign code “%(code)s” is taken.", code=code))
    if not name.strip() or not term.strip():
        raise ValidationFailed(_("A campaign needs a name and a term."))
    if checklist_version.status != VersionStatus.PUBLISHED:
        raise ValidationFailed(_("Only a published checklist version can be used."))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(_("The campaign cannot end before it starts."))
    if starts_on and default_due_on < starts_on:
        raise ValidationFailed(_("The rectification deadline cannot fall before the campaign starts."))
    campaign = Campaign(
        code=code,
        name=name.strip(),
        term=term.strip(),
        checklist_version=checklist_version,
        default_due_on=default_due_on,
        starts_on=starts_on,
        ends_on=ends_on,
        cross_county=cross_county,
        county_id=actor.county_id if actor.role == Role.SUPERVISOR else None,
        created_by_id=actor.id,
        status=CampaignStatus.PLANNING,
    )
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "campaign.create", campaign, campaign_id=campaign.id,
                 after=audit.snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


def _require_open(campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.CLOSED:
        raise InvalidTransition(_("Campaign %(code)s is closed.", code=campaign.code))


def add_schools(campaign: Campaign, schools: t.Sequence[School], *, actor: User) -> list[Visit]:
    """Plan a visit for each school not yet in the campaign; return the new visits."""
    _require_open(campaign)
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
            planned_on=campaign.starts_on,
        )
        db.session.add(visit)
        visits.append(visit)
    db.session.flush()
    for visit in visits:
        audit.record(actor, "visit.plan", visit, school_id=visit.school_id, campaign_id=campaign.id,
                     after={"school_id": visit.school_id, "planned_on": visit.planned_on})
    return visits


def remove_visit(visit: Visit, *, actor: User) -> None:
    """Take a school out of the campaign while nothing has been recorded for it."""
    if visit.status != VisitStatus.PLANNED or visit.answers:
        raise InvalidTransition(_("Only a visit that has not started can be removed."))
    audit.record(actor, "visit.remove", visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 before={"school_id": visit.school_id})
    db.session.delete(visit)
    db.session.flush()


def assignment_problem(campaign: Campaign, school: School, inspector: User) -> str | None:
    """Why ``inspector`` may not inspect ``school`` in ``campaign``, or None if they may."""
    if inspector.role != Role.INSPECTOR or not inspector.active:
        return _("%(name)s is not an active inspector.", name=inspector.display_name)
    if campaign.cross_county and inspector.county_id is not None and inspector.county_id == school.county_id:
        return _("%(name)s belongs to %(county)s and may not inspect %(school)s in their own county "
                 "(cross-inspection rule).", name=inspector.display_name, county=school.county.name,
                 school=school.name)
    return None


def assign_inspector(visits: t.Sequence[Visit], inspector: User, *, actor: User, leader: bool = False) -> int:
    """Add ``inspector`` to every visit; refuse the whole batch if any visit breaks a rule."""
    if not visits:
        raise ValidationFailed(_("Choose at least one visit."))
    problems = []
    for visit in visits:
        _require_open(visit.campaign)
        if visit.status in (VisitStatus.SUBMITTED, VisitStatus.APPROVED):
            problems.append(_("%(school)s: the visit is already submitted.", school=visit.school.name))
            continue
        problem = assignment_problem(visit.campaign, visit.school, inspector)
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
    assignment = next((a for a in visit.assignments if a.user_id == inspector.id), None)
    if assignment is None:
        return
    visit.assignments.remove(assignment)
    db.session.flush()
    if visit.assignments and not any(a.is_leader for a in visit.assignments):
        visit.assignments[0].is_leader = True
    audit.record(actor, "visit.unassign", visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 before={"inspector": inspector.username})


def set_planned_date(visits: t.Sequence[Visit], planned_on: date | None, *, actor: User) -> None:
    """Schedule visits for a day."""
    for visit in visits:
        campaign = visit.campaign
        if planned_on and campaign.starts_on and campaign.ends_on and not (
            campaign.starts_on <= planned_on <= campaign.ends_on
        ):
            raise ValidationFailed(_("%(date)s lies outside the campaign (%(start)s – %(end)s).",
                                     date=planned_on, start=campaign.starts_on, end=campaign.ends_on))
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
