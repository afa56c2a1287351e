"""A campaign's life: create and edit it (dates, days off), pick its schools, start and close it, list them."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import Role
from ..auth.models import User
from ..checklists.models import ChecklistVersion
from ..checklists.models import FormKind
from ..checklists.models import VersionStatus
from ..core import signals
from ..core.permissions import school_filter
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..schools import regions
from ..schools.models import City
from ..schools.models import County
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..schools.services import school_query
from .models import Campaign
from .models import CampaignStatus
from .models import Visit
from .models import VisitInspector
from .models import VisitStatus
from .permissions import campaign_filter

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{1,31}$")
CAMPAIGN_FIELDS = ("code", "name", "term", "checklist_version_id", "starts_on", "ends_on", "default_due_on",
                   "city_id", "county_id", "cross_county", "visits_per_day", "days_off", "status")
EDITABLE_FIELDS = ("name", "term", "starts_on", "ends_on", "default_due_on", "visits_per_day", "days_off")
DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
DAYS_OFF_SPLIT = re.compile(r"[\n,，、;；]+")
DAYS_OFF_RANGE = re.compile(r"\s*(?:至|到|~|～)\s*")
MAX_DAYS_OFF_RUN = 366
MAX_PER_DAY = 6


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
    level: str | None = None,
    city: City | None = None,
    actor: User | None,
) -> Campaign:
    """Create a campaign in planning; a county supervisor's campaign belongs to their county.

    Without a ``level`` the campaign is its author's region's: a county's or a city's supervisor's, the
    province's for the province's staff; an administrator's or the command line's goes to the first city.
    ``level="province"`` (administrators, the province's staff, the command line) makes a province campaign,
    sampled, teamed and planned across the cities; ``level="city"`` a campaign of ``city`` (by default the
    author's or the first city).
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
    if checklist_version.checklist.kind != FormKind.CHECKLIST:
        raise ValidationFailed(_("A questionnaire cannot be a campaign's checklist."))
    _check_details(name, term, default_due_on, starts_on, ends_on, visits_per_day, days_off)
    city_id, county_id = _owner(actor, level, city)
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
        city_id=city_id,
        county_id=county_id,
        created_by_id=actor.id if actor is not None else None,
        status=CampaignStatus.PLANNING,
    )
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "campaign.create", campaign, campaign_id=campaign.id,
                 after=audit.snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


def _owner(actor: User | None, level: str | None, city: City | None) -> tuple[int | None, int | None]:
    """The (city, county) a new campaign belongs to, refusing a level above its author's region."""
    supervisor = actor if actor is not None and actor.role == Role.SUPERVISOR else None
    if level is None:
        return regions.owning_city_id(supervisor), supervisor.county_id if supervisor is not None else None
    above = actor is None or actor.role == Role.ADMIN or actor.level == "province"
    if level == "province":
        if not above:
            raise ValidationFailed(_("Only administrators and the province's staff create a province campaign."))
        return None, None
    if level != "city":
        raise ValidationFailed(_("A campaign is run by the province or by a city, not “%(level)s”.", level=level))
    if city is None:
        city_id = actor.city_id if actor is not None and actor.city_id is not None else regions.home_city().id
    else:
        city_id = city.id
    if not above and (actor is None or actor.county_id is not None or actor.city_id != city_id):
        raise ValidationFailed(_("A city's campaign is created by its own staff, the province's or an administrator."))
    return city_id, None


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
    check_per_day(visits_per_day)
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
    """Refuse any change to a closed campaign."""
    if campaign.status == CampaignStatus.CLOSED:
        raise InvalidTransition(_("Campaign %(code)s is closed.", code=campaign.code))


def check_per_day(visits_per_day: int) -> None:
    """Refuse a number of visits a day a team cannot make."""
    if not 1 <= visits_per_day <= MAX_PER_DAY:
        raise ValidationFailed(_("A team visits between 1 and %(max)d schools a day, not %(n)d.",
                                 max=MAX_PER_DAY, n=visits_per_day))


def add_schools(campaign: Campaign, schools: t.Sequence[School], *, actor: User | None) -> list[Visit]:
    """Plan a visit for each school not yet in the campaign; return the new visits.

    A new visit has no day yet: the planner (or a supervisor) sets it with the team.
    """
    require_open(campaign)
    region = regions.region_county_ids(campaign.city_id, campaign.county_id)
    outside = [s.name for s in schools if region is not None and s.county_id not in region]
    if outside:
        raise ValidationFailed(_("These schools lie outside the campaign's region: %(names)s",
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


def pick_schools(viewer: User, *, school_ids: t.Collection[int] = (), all_matching: bool = False,
                 q: str | None = None, county_id: int | None = None, level: SchoolLevel | None = None
                 ) -> list[School]:
    """The schools a user ticked or, with ``all_matching``, every school their search finds; only their own."""
    if all_matching:
        schools = list(db.session.scalars(school_query(viewer, q=q or None, county_id=county_id, level=level)))
    else:
        schools = list(db.session.scalars(sa.select(School).where(
            School.id.in_(list(school_ids)), school_filter(viewer, School.id, School.county_id))))
    if not schools:
        raise ValidationFailed(_("Tick at least one school."))
    return schools


def addable_schools(viewer: User, campaign: Campaign, *, q: str | None = None, county_id: int | None = None,
                    level: SchoolLevel | None = None) -> sa.Select[School]:
    """The schools the viewer's search finds that the campaign does not have yet."""
    in_campaign = sa.select(Visit.school_id).where(Visit.campaign_id == campaign.id)
    return school_query(viewer, q=q, county_id=county_id, level=level).where(School.id.not_in(in_campaign))


def remove_visit(visit: Visit, *, actor: User | None) -> None:
    """Take a school out of the campaign while nothing has been recorded for it."""
    if visit.status != VisitStatus.PLANNED or visit.answers:
        raise InvalidTransition(_("Only a visit that has not started can be removed."))
    audit.record(actor, "visit.remove", visit, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 before={"school_id": visit.school_id})
    db.session.delete(visit)
    db.session.flush()


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


def campaign_query(viewer: User | None = None, *, city_id: int | None = None) -> sa.Select[Campaign]:
    """The campaigns the viewer may see (None: every one), newest first, with their owning city and county.

    With ``city_id``, those of that city (its own and its counties') and those visiting its schools
    (a province campaign that reaches it).
    """
    stmt = (sa.select(Campaign).options(orm.joinedload(Campaign.city), orm.joinedload(Campaign.county))
            .order_by(Campaign.created_at.desc(), Campaign.id.desc()))
    if city_id is not None:
        visiting = (sa.select(Visit.campaign_id).join(School, School.id == Visit.school_id)
                    .join(County, County.id == School.county_id).where(County.city_id == city_id))
        stmt = stmt.where(sa.or_(Campaign.city_id == city_id, Campaign.id.in_(visiting)))
    return stmt if viewer is None else stmt.where(campaign_filter(viewer))


def campaign_rows(viewer: User | None = None, campaigns: t.Sequence[Campaign] | None = None) -> list[CampaignRow]:
    """Campaigns with their school, confirmed-finding and approved-visit counts, newest first.

    With a viewer, only campaigns they may see, and the counts cover only schools in their scope; with
    ``campaigns`` (a page of :func:`campaign_query`), the rows of those alone, in a fixed number of queries.
    The confirmed findings are counted on their own floor and arrive by :data:`signals.campaign_figures`.
    """
    if campaigns is None:
        campaigns = db.session.scalars(campaign_query(viewer)).all()
    ids = [c.id for c in campaigns]
    if not ids:
        return []
    in_scope = school_filter(viewer, School.id, School.county_id) if viewer is not None else sa.true()
    counts = {campaign_id: (int(n), int(done or 0)) for campaign_id, n, done in db.session.execute(
        sa.select(Visit.campaign_id, sa.func.count(),
                  sa.func.sum(sa.case((Visit.status == VisitStatus.APPROVED, 1), else_=0)))
        .join(School, School.id == Visit.school_id)
        .where(Visit.campaign_id.in_(ids), in_scope)
        .group_by(Visit.campaign_id))}
    findings = campaign_figures(ids, viewer).get("findings", {})
    return [CampaignRow(c, counts.get(c.id, (0, 0))[0], findings.get(c.id, 0), counts.get(c.id, (0, 0))[1])
            for c in campaigns]


def campaign_figures(campaign_ids: t.Sequence[int], viewer: User | None) -> dict[str, t.Mapping[int, int]]:
    """Figures per campaign that the floors above keep (confirmed findings…), by figure name."""
    if not campaign_ids:
        return {}
    answers = signals.campaign_figures.send(None, campaign_ids=campaign_ids, viewer=viewer)
    return dict(value for _receiver, value in answers)


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
