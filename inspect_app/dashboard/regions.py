"""The province's figures: cities side by side, a city's counties, a county's schools.

One home for what the province dashboard shows and the 全省学生资助交叉检查情况通报 prints (the reports
ask for it by the :data:`~inspect_app.core.signals.region_figures` signal, since they may not import the
dashboard). Per area: schools and visits planned, visits inspected (results submitted or approved),
confirmed problems by severity and by checklist section, rectifications closed and overdue (the one
overdue rule, :meth:`Rectification.overdue_on`), and the 两率一度 where they were measured — 政策知晓率 and
群众满意度 from a survey round (``surveys.figures``), 资助精准率 from the roster checks (asked by
:data:`~inspect_app.core.signals.aid_precision`).

A fixed number of queries whatever the number of cities, counties, schools and problems: every figure is
one grouped query over the selection.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import date

import sqlalchemy as sa

from ..campaigns.models import Campaign
from ..campaigns.permissions import campaign_filter
from ..checklists.models import ChecklistSection
from ..checklists.models import Severity
from ..core import signals
from ..db import local_today
from ..extensions import db
from ..findings.models import Finding
from ..rectification.models import Rectification
from ..rectification.models import RectificationStatus as S
from ..rectification.services import NO_SECTION
from ..rectification.services import section_name
from ..rectification.services import with_sections
from ..schools.models import City
from ..schools.models import County
from ..schools.models import School
from ..surveys import figures as survey_figures
from ..surveys.models import SurveyRound
from ..surveys.rates import Rate
from ..visits.models import Visit
from ..visits.models import VisitStatus
from ..visits.permissions import school_filter

if t.TYPE_CHECKING:
    from ..auth.models import User

CITY, COUNTY, SCHOOL = "city", "county", "school"
INSPECTED = (VisitStatus.SUBMITTED, VisitStatus.APPROVED)


def share(part: int, whole: int | None) -> float | None:
    """``part / whole`` as a percentage with one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


@dataclass
class AreaPrecision:
    """资助精准率 of an area from the roster checks: paid people checked and those found correct; 漏助率 beside it."""

    paid: int = 0
    precise: int = 0
    entitled: int | None = None
    uncovered: int | None = None

    @property
    def rate(self) -> float | None:
        return share(self.precise, self.paid)

    @property
    def missed_rate(self) -> float | None:
        return share(self.uncovered or 0, self.entitled)

    def add(self, counts: dict[str, t.Any]) -> None:
        self.paid += counts["paid"]
        self.precise += counts["precise"]
        if counts.get("entitled") is not None:
            self.entitled = (self.entitled or 0) + counts["entitled"]
            self.uncovered = (self.uncovered or 0) + (counts.get("uncovered") or 0)


@dataclass
class Area:
    """One row: a city, a county or a school, with its figures."""

    id: int | None
    name: str
    schools: int = 0  # schools with a planned visit
    visits: int = 0  # visits planned
    inspected: int = 0  # visits whose results were submitted (or approved)
    approved: int = 0
    findings: int = 0  # confirmed problems
    closed: int = 0
    overdue: int = 0
    by_severity: dict[Severity, int] = field(default_factory=dict)
    by_section: dict[str, int] = field(default_factory=dict)
    awareness: Rate | None = None
    satisfaction: Rate | None = None
    precision: AreaPrecision | None = None

    @property
    def open(self) -> int:
        return self.findings - self.closed

    @property
    def closed_rate(self) -> float | None:
        """销号率: problems closed of those confirmed, percent."""
        return share(self.closed, self.findings)

    @property
    def overdue_rate(self) -> float | None:
        """逾期率: problems overdue (open past their deadline) of those confirmed, percent."""
        return share(self.overdue, self.findings)

    @property
    def awareness_rate(self) -> float | None:
        return _percent(self.awareness)

    @property
    def satisfaction_rate(self) -> float | None:
        return _percent(self.satisfaction)

    @property
    def precision_rate(self) -> float | None:
        return self.precision.rate if self.precision is not None else None

    def add(self, other: Area) -> None:
        for name in ("schools", "visits", "inspected", "approved", "findings", "closed", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for severity, n in other.by_severity.items():
            self.by_severity[severity] = self.by_severity.get(severity, 0) + n
        for section, n in other.by_section.items():
            self.by_section[section] = self.by_section.get(section, 0) + n


def _percent(rate: Rate | None) -> float | None:
    return None if rate is None or rate.value is None else round(100 * rate.value, 1)


@dataclass(frozen=True)
class Example:
    """A typical problem of a section: where it was found and what it was."""

    area: str
    school: str
    description: str


@dataclass
class RegionBoard:
    """The figures of one level: ``rows`` are cities, a city's counties or a county's schools."""

    level: str
    today: date
    campaign_id: int | None
    city: City | None
    county: County | None
    rows: list[Area]
    total: Area
    # Checklist sections with problems, in checklist order: (name, label by language).
    sections: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    survey: SurveyRound | None = None
    semester: str | None = None
    examples: dict[str, list[Example]] = field(default_factory=dict)

    @property
    def severities(self) -> list[Severity]:
        """The severities with any problem, gravest first."""
        return [s for s in reversed(Severity) if self.total.by_severity.get(s)]

    @property
    def largest(self) -> int:
        """The largest row's problems, so that the rows' bars share a scale."""
        return max([row.findings for row in self.rows] or [0])

    @property
    def rates_measured(self) -> bool:
        return self.survey is not None or self.semester is not None


def region_board(viewer: User | None, *, campaign: Campaign | None = None, city_id: int | None = None,
                 county_id: int | None = None, today: date | None = None, examples: int = 0) -> RegionBoard:
    """The figures of the areas one level down from the region chosen, within the viewer's scope (None: all).

    Without ``city_id`` and ``county_id`` the rows are the cities; with ``city_id`` that city's counties; with
    ``county_id`` that county's schools. ``campaign`` restricts every figure to one campaign (and the rows to
    the areas it planned visits in). ``examples``: how many typical problems to keep per checklist section.
    """
    today = today or local_today()
    county = db.session.get(County, county_id) if county_id is not None else None
    city = db.session.get(City, county.city_id if county is not None else city_id) if (
        county is not None or city_id is not None) else None
    level = SCHOOL if county is not None else COUNTY if city is not None else CITY
    key = {CITY: County.city_id, COUNTY: School.county_id, SCHOOL: School.id}[level]

    def where(stmt: sa.Select[t.Any], school_id: t.Any) -> sa.Select[t.Any]:
        stmt = stmt.join(School, School.id == school_id).join(County, County.id == School.county_id)
        if viewer is not None:
            stmt = stmt.where(school_filter(viewer, school_id, School.county_id))
        if county is not None:
            stmt = stmt.where(School.county_id == county.id)
        elif city is not None:
            stmt = stmt.where(County.city_id == city.id)
        return stmt

    areas = _areas(level, city, county, viewer, campaign)
    _visit_counts(areas, where, key, campaign)
    _problem_counts(areas, where, key, campaign, today)
    sections = _section_counts(areas, where, key, campaign)
    rows = [a for a in areas.values() if campaign is None and level != SCHOOL or a.visits or a.findings]
    total = Area(None, "")
    for row in rows:
        total.add(row)
    board = RegionBoard(level, today, campaign.id if campaign else None, city, county, rows, total, sections)
    if level != SCHOOL:
        _rates(board, areas, viewer, campaign)
    if examples:
        board.examples = _examples(where, campaign, examples, level)
    return board


def _areas(level: str, city: City | None, county: County | None, viewer: User | None,
           campaign: Campaign | None) -> dict[int, Area]:
    """The rows' areas in their order: every city, every county of the city, or the county's schools."""
    scope = viewer.scope_county_ids if viewer is not None else None
    stmt: t.Any
    if level == CITY:
        stmt = sa.select(City.id, City.name).order_by(City.position, City.id)
        if scope is not None:
            stmt = stmt.where(City.id.in_(sa.select(County.city_id).where(County.id.in_(sorted(scope)))))
    elif level == COUNTY:
        assert city is not None
        stmt = sa.select(County.id, County.name).where(County.city_id == city.id).order_by(County.position,
                                                                                          County.id)
        if scope is not None:
            stmt = stmt.where(County.id.in_(sorted(scope)))
    else:
        assert county is not None
        # Only the schools with a visit or a problem: a county has hundreds.
        busy = sa.select(Visit.school_id)
        problems = sa.select(Finding.school_id).join(Rectification, Rectification.finding_id == Finding.id)
        if campaign is not None:
            busy = busy.where(Visit.campaign_id == campaign.id)
            problems = problems.where(Finding.campaign_id == campaign.id)
        stmt = (sa.select(School.id, School.name).where(School.county_id == county.id)
                .where(sa.or_(School.id.in_(busy), School.id.in_(problems))).order_by(School.code, School.id))
    return {area_id: Area(area_id, name) for area_id, name in db.session.execute(stmt)}


Where = t.Callable[[t.Any, t.Any], t.Any]


def _visit_counts(areas: dict[int, Area], where: Where, key: t.Any, campaign: Campaign | None) -> None:
    stmt = where(sa.select(key, sa.func.count(sa.distinct(Visit.school_id)), sa.func.count(Visit.id),
                           sa.func.sum(sa.case((Visit.status.in_(INSPECTED), 1), else_=0)),
                           sa.func.sum(sa.case((Visit.status == VisitStatus.APPROVED, 1), else_=0)))
                 .select_from(Visit), Visit.school_id)
    if campaign is not None:
        stmt = stmt.where(Visit.campaign_id == campaign.id)
    for area_id, schools, visits, inspected, approved in db.session.execute(stmt.group_by(key)):
        area = areas.get(area_id)
        if area is not None:
            area.schools, area.visits = schools, visits
            area.inspected, area.approved = int(inspected or 0), int(approved or 0)


def _rects(where: Where, campaign: Campaign | None, *columns: t.Any) -> sa.Select[t.Any]:
    """Confirmed problems (each has its rectification) in the selection."""
    stmt = where(sa.select(*columns).select_from(Rectification)
                 .join(Finding, Finding.id == Rectification.finding_id), Finding.school_id)
    if campaign is not None:
        stmt = stmt.where(Finding.campaign_id == campaign.id)
    return stmt


def _problem_counts(areas: dict[int, Area], where: Where, key: t.Any, campaign: Campaign | None,
                    today: date) -> None:
    stmt = _rects(where, campaign, key, Finding.severity, sa.func.count(Rectification.id),
                  sa.func.sum(sa.case((Rectification.status == S.CLOSED, 1), else_=0)),
                  sa.func.sum(sa.case((Rectification.overdue_on(today), 1), else_=0)))
    for area_id, severity, n, closed, overdue in db.session.execute(stmt.group_by(key, Finding.severity)):
        area = areas.get(area_id)
        if area is not None:
            area.findings += n
            area.closed += int(closed or 0)
            area.overdue += int(overdue or 0)
            area.by_severity[Severity(severity)] = n


def _section_counts(areas: dict[int, Area], where: Where, key: t.Any,
                    campaign: Campaign | None) -> list[tuple[str, dict[str, str]]]:
    section = section_name()  # one expression for the select and the grouping: PostgreSQL compares them
    stmt = with_sections(_rects(where, campaign, key, section, sa.func.min(ChecklistSection.position),
                                sa.func.count(Rectification.id)))
    order: dict[str, int] = {}
    for area_id, name, position, n in db.session.execute(stmt.group_by(key, section)):
        order[name] = min(order.get(name, position if position is not None else 10_000),
                          position if position is not None else 10_000)
        area = areas.get(area_id)
        if area is not None:
            area.by_section[name] = n
    labels: dict[str, dict[str, str]] = {NO_SECTION: {"zh": "其他", "en": "Other"}}
    for section_key, label in db.session.execute(
            sa.select(ChecklistSection.name, ChecklistSection.label)
            .where(ChecklistSection.name.in_(sorted(set(order) - {NO_SECTION}))).order_by(ChecklistSection.version_id)):
        labels[section_key] = label or {}
    return [(name, labels.get(name) or {}) for name in sorted(order, key=lambda n: (n == NO_SECTION, order[n], n))]


def _rates(board: RegionBoard, areas: dict[int, Area], viewer: User | None, campaign: Campaign | None) -> None:
    """政策知晓率 and 群众满意度 of the latest survey round, 资助精准率 of the roster checks, added up by area."""
    scope = viewer.scope_county_ids if viewer is not None else None
    if board.county is None and board.city is not None:
        region = frozenset(c.id for c in board.city.counties)
        scope = region if scope is None else scope & region
    city_of: dict[int, int] = ({county_id: city_id for county_id, city_id in db.session.execute(
        sa.select(County.id, County.city_id))} if board.level == CITY else {})

    def area_of(county_id: int | None) -> Area | None:
        if county_id is None:
            return None
        return areas.get(city_of.get(county_id, -1) if board.level == CITY else county_id)

    if campaign is not None:
        survey = survey_figures.latest_round([campaign.id])
    else:
        visible = sa.select(Campaign.id) if viewer is None else sa.select(Campaign.id).where(campaign_filter(viewer))
        survey = survey_figures.latest_round(list(db.session.scalars(visible)))
    if survey is not None:
        board.survey = survey
        by_county, _total = survey_figures.county_rates(survey, counties=scope)
        for county_rates in by_county:
            found = area_of(county_rates.county_id)
            if found is not None:
                found.awareness = _plus(found.awareness, county_rates.rates.awareness)
                found.satisfaction = _plus(found.satisfaction, county_rates.rates.satisfaction)
    answers = signals.values_from(signals.aid_precision.send(
        "dashboard.regions", term=campaign.term if campaign is not None else None, counties=scope))
    if answers:
        board.semester = answers[0]["semester"]
        for item in answers[0]["counties"]:
            counted = area_of(item["county_id"])
            if counted is not None and item["counts"] is not None:
                counted.precision = counted.precision or AreaPrecision()
                counted.precision.add(item["counts"])
    for area in board.rows:
        _add_rates(board.total, area)


def _plus(a: Rate | None, b: Rate) -> Rate:
    if a is None:
        return b
    return Rate(a.hits + b.hits, a.n + b.n, a.respondents + b.respondents, a.min_size + b.min_size, b.target)


def _add_rates(total: Area, row: Area) -> None:
    if row.awareness is not None:
        total.awareness = _plus(total.awareness, row.awareness)
    if row.satisfaction is not None:
        total.satisfaction = _plus(total.satisfaction, row.satisfaction)
    if row.precision is not None:
        total.precision = total.precision or AreaPrecision()
        total.precision.add({"paid": row.precision.paid, "precise": row.precision.precise,
                             "entitled": row.precision.entitled, "uncovered": row.precision.uncovered})


def _examples(where: Where, campaign: Campaign | None, per_section: int, level: str) -> dict[str, list[Example]]:
    """The first ``per_section`` problems of each checklist section (by reference order), with their area."""
    area_name = City.name if level == CITY else County.name
    number = sa.func.row_number().over(partition_by=section_name(), order_by=Finding.id).label("n")
    inner = with_sections(_rects(where, campaign, section_name().label("section"), area_name.label("area"),
                                 School.name.label("school"), Finding.description.label("description"), number)
                          .join(City, City.id == County.city_id)).subquery()
    rows = db.session.execute(sa.select(inner.c.section, inner.c.area, inner.c.school, inner.c.description)
                              .where(inner.c.n <= per_section).order_by(inner.c.section, inner.c.n))
    found: dict[str, list[Example]] = {}
    for section, area, school, description in rows:
        found.setdefault(section, []).append(Example(area, school, description))
    return found


def _answer(sender: str, *, campaign: Campaign, examples: int = 0, **_: t.Any) -> RegionBoard | None:
    """The receiver of :data:`~inspect_app.core.signals.region_figures`: a campaign's figures by area.

    A province's campaign is told by city, a city's by county; a county's campaign has no regions to compare.
    """
    if campaign.county_id is not None:
        return None
    return region_board(None, campaign=campaign, city_id=campaign.city_id, examples=examples)


def connect_signals() -> None:
    signals.region_figures.connect(_answer)
