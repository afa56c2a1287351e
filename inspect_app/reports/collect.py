"""Gather a campaign's figures for its reports. Every number a report prints comes from here."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from ..campaigns.models import Campaign
from ..checklists.models import ChecklistItem
from ..checklists.models import ChecklistSection
from ..checklists.models import Severity
from ..db import local_today
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..rectification.models import Rectification
from ..rectification.models import RectificationStatus
from ..schools.models import County
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..visits.models import Visit
from ..visits.models import VisitInspector

MAX_METHODS = 6


@dataclass
class ProblemRow:
    reference: str
    section: str
    item: str
    description: str
    severity: str
    due_on: date | None
    status: str
    overdue: bool


@dataclass
class SchoolProblems:
    school: str
    county: str
    level: str
    problems: list[ProblemRow]


@dataclass
class SectionCount:
    section: str
    count: int
    schools: int
    examples: list[str]


@dataclass
class ScoreRow:
    """One inspected school in the 各校评分表: the checklist's weights less those of its confirmed problems."""

    county: str
    school: str
    level: str
    score: Decimal | None
    problems: int
    veto: bool


@dataclass
class PhotoRow:
    """A photo for an appendix: the stored files and what its caption names."""

    path: str
    thumb_path: str | None
    stamped_path: str | None
    width: int | None
    height: int | None
    school: str
    item: str
    taken_at: datetime | None


@dataclass
class InvestigationData:
    """Everything the 督导检查情况报告 says about one campaign."""

    org_name: str
    recipient: str
    city_name: str
    campaign_name: str
    campaign_code: str
    term: str
    checklist_title: str
    starts_on: date | None
    ends_on: date | None
    report_date: date
    default_due_on: date
    n_schools: int
    n_visits_done: int
    n_counties: int
    n_inspectors: int
    schools_by_county: list[tuple[str, int]]
    schools_by_level: list[tuple[str, int]]
    methods: list[str]
    n_findings: int
    n_schools_with_findings: int
    findings_by_section: list[SectionCount]
    findings_by_severity: list[tuple[str, int]]
    rectification_by_status: list[tuple[str, int]]
    n_closed: int
    n_open: int
    n_overdue: int
    schools: list[SchoolProblems] = field(default_factory=list)
    cross_county: bool = True
    scores: list[ScoreRow] = field(default_factory=list)
    max_score: Decimal | None = None
    sections_without_findings: list[str] = field(default_factory=list)
    photos: list[PhotoRow] = field(default_factory=list)


def build_investigation_data(campaign: Campaign, *, as_of: date | None = None) -> InvestigationData:
    """Collect the campaign's scope, findings and rectification state as of a date (default today)."""
    as_of = as_of or local_today()
    config = current_app.config
    visit_rows = db.session.execute(
        sa.select(School.county_id, County.name, County.position, School.level, Visit.status)
        .join(School, School.id == Visit.school_id)
        .join(County, County.id == School.county_id)
        .where(Visit.campaign_id == campaign.id)
    ).all()
    by_county: Counter[tuple[int, str]] = Counter()
    by_level: Counter[SchoolLevel] = Counter()
    done = 0
    for _county_id, county_name, position, level, visit_status in visit_rows:
        by_county[(position, county_name)] += 1
        by_level[level] += 1
        done += visit_status == "approved"
    n_inspectors = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(VisitInspector.user_id)))
        .join(Visit, Visit.id == VisitInspector.visit_id)
        .where(Visit.campaign_id == campaign.id)
    ) or 0
    # An item's method may combine several ("查阅资料、实地查看"); count each on its own, without
    # the detail in brackets ("座谈（学生）" is 座谈).
    method_counts: Counter[str] = Counter(
        re.sub(r"[（(].*?[）)]", "", part).strip()
        for (m,) in db.session.execute(
            sa.select(ChecklistItem.method).where(
                ChecklistItem.version_id == campaign.checklist_version_id, ChecklistItem.method.is_not(None)
            )
        )
        for part in re.split(r"[、，,;；/＋+]", m or "")
        if part.strip()
    )

    findings = list(db.session.scalars(
        sa.select(Finding)
        .where(Finding.campaign_id == campaign.id, Finding.status == FindingStatus.CONFIRMED)
        .options(
            orm.joinedload(Finding.school).joinedload(School.county),
            orm.joinedload(Finding.item).joinedload(ChecklistItem.section),
            orm.joinedload(Finding.rectification),
        )
        .order_by(Finding.id)
    ).unique())

    section_order: dict[str, int] = {}
    section_findings: dict[str, list[Finding]] = {}
    for finding in findings:
        section = finding.item.section if finding.item else None
        label = section.label.get("zh") or section.display_label if section else "其他"
        section_order.setdefault(label, section.position if section else 10_000)
        section_findings.setdefault(label, []).append(finding)
    findings_by_section = [
        SectionCount(
            section=label,
            count=len(items),
            schools=len({f.school_id for f in items}),
            examples=[f"{f.school.name}{_clause(f.description)}" for f in items[:2]],
        )
        for label, items in sorted(section_findings.items(), key=lambda kv: section_order[kv[0]])
    ]
    severity_counts = Counter(f.severity for f in findings)
    status_counts: Counter[RectificationStatus] = Counter()
    overdue = 0
    schools: dict[int, SchoolProblems] = {}
    for finding in sorted(findings, key=lambda f: (f.school.county.position, f.school.code, f.id)):
        rect: Rectification | None = finding.rectification
        status = rect.status if rect else RectificationStatus.NOT_STARTED
        status_counts[status] += 1
        is_overdue = bool(rect and rect.overdue_on(as_of))
        overdue += is_overdue
        section = finding.item.section if finding.item and finding.item.section else None
        entry = schools.setdefault(finding.school_id, SchoolProblems(
            school=finding.school.name, county=finding.school.county.name, level=finding.school.level.zh,
            problems=[],
        ))
        entry.problems.append(ProblemRow(
            reference=finding.reference,
            section=section.label.get("zh", section.display_label) if section else "其他",
            item=(finding.item.label.get("zh") or finding.item.display_label) if finding.item else "",
            description=finding.description,
            severity=finding.severity.zh,
            due_on=rect.due_on if rect else None,
            status="逾期" if is_overdue else status.zh,
            overdue=is_overdue,
        ))
    closed = status_counts[RectificationStatus.CLOSED]
    version = campaign.checklist_version
    max_score, scores = _scores(campaign, findings)
    all_sections = [
        section.label.get("zh") or section.display_label
        for section in db.session.scalars(
            sa.select(ChecklistSection).where(ChecklistSection.version_id == campaign.checklist_version_id)
            .order_by(ChecklistSection.position)
        )
    ]
    return InvestigationData(
        org_name=config["ORG_NAME"],
        recipient=config["REPORT_RECIPIENT"],
        city_name=config["CITY_NAME"],
        campaign_name=campaign.name,
        campaign_code=campaign.code,
        term=campaign.term,
        checklist_title=version.title.get("zh") or version.display_title,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        report_date=as_of,
        default_due_on=campaign.default_due_on,
        n_schools=len(visit_rows),
        n_visits_done=done,
        n_counties=len(by_county),
        n_inspectors=n_inspectors,
        schools_by_county=[(name, n) for (_pos, name), n in sorted(by_county.items())],
        schools_by_level=[(lvl.zh, by_level[lvl]) for lvl in SchoolLevel if by_level[lvl]],
        methods=[m for m, _n in method_counts.most_common(MAX_METHODS)],
        n_findings=len(findings),
        n_schools_with_findings=len(schools),
        findings_by_section=findings_by_section,
        findings_by_severity=[(s.zh, severity_counts[s]) for s in reversed(Severity) if severity_counts[s]],
        rectification_by_status=[(s.zh, status_counts[s]) for s in RectificationStatus if status_counts[s]],
        n_closed=closed,
        n_open=len(findings) - closed,
        n_overdue=overdue,
        schools=list(schools.values()),
        cross_county=campaign.cross_county,
        scores=scores,
        max_score=max_score,
        sections_without_findings=[label for label in all_sections if label not in section_findings],
        photos=finding_photos(campaign),
    )


def _scores(campaign: Campaign, findings: list[Finding]) -> tuple[Decimal | None, list[ScoreRow]]:
    """Each visited school's score: the weights of the assessed items less those of its confirmed problems.

    Visits not yet approved have no score. Without weights in the checklist nobody is scored.
    """
    weights = {
        item_id: (weight, veto)
        for item_id, weight, veto in db.session.execute(
            sa.select(ChecklistItem.id, ChecklistItem.weight, ChecklistItem.veto).where(
                ChecklistItem.version_id == campaign.checklist_version_id, ChecklistItem.weight.is_not(None)
            )
        )
    }
    total = sum((w or Decimal(0) for w, _veto in weights.values()), Decimal(0)) if weights else None
    lost: Counter[int] = Counter()
    lost_weight: dict[int, Decimal] = {}
    veto: set[int] = set()
    for finding in findings:
        lost[finding.visit_id] += 1
        weight, is_veto = weights.get(finding.item_id or -1, (Decimal(0), False))
        lost_weight[finding.visit_id] = lost_weight.get(finding.visit_id, Decimal(0)) + (weight or Decimal(0))
        if is_veto:
            veto.add(finding.visit_id)
    rows = db.session.execute(
        sa.select(Visit.id, Visit.status, School.name, School.code, School.level, County.name, County.position)
        .join(School, School.id == Visit.school_id)
        .join(County, County.id == School.county_id)
        .where(Visit.campaign_id == campaign.id)
        .order_by(County.position, School.code, Visit.id)
    ).all()
    scores = [
        ScoreRow(
            county=county, school=name, level=level.zh,
            score=(max(Decimal(0), total - lost_weight.get(visit_id, Decimal(0)))
                   if total is not None and status == "approved" else None),
            problems=lost[visit_id],
            veto=visit_id in veto,
        )
        for visit_id, status, name, _code, level, county, _position in rows
    ]
    return total, scores


def finding_photos(campaign: Campaign, *, school_id: int | None = None) -> list[PhotoRow]:
    """Photos behind confirmed problems, school by school in checklist order.

    A photo belongs to a problem when it was taken at the problem's item or at a photo question
    that details that item (``detail_of``), in the same repeat entry if the item repeats.
    """
    photo_item = orm.aliased(ChecklistItem)
    problem_item = orm.aliased(ChecklistItem)
    same_entry = sa.or_(
        sa.and_(Finding.instance_id.is_(None), Attachment.instance_id.is_(None)),
        Finding.instance_id == Attachment.instance_id,
    )
    stmt = (
        sa.select(Attachment, School.name, problem_item.label, problem_item.name)
        .join(Visit, Visit.id == Attachment.visit_id)
        .join(School, School.id == Visit.school_id)
        .join(County, County.id == School.county_id)
        .join(photo_item, photo_item.id == Attachment.item_id)
        .join(Finding, sa.and_(
            Finding.visit_id == Attachment.visit_id,
            sa.or_(Finding.item_id == photo_item.id, Finding.item_id == photo_item.detail_of_id),
            same_entry,
        ))
        .join(problem_item, problem_item.id == Finding.item_id)
        .where(Visit.campaign_id == campaign.id, Attachment.kind == AttachmentKind.PHOTO,
               Finding.status == FindingStatus.CONFIRMED)
        .order_by(County.position, School.code, problem_item.position, Attachment.id)
    )
    if school_id is not None:
        stmt = stmt.where(Visit.school_id == school_id)
    return [
        PhotoRow(path=a.path, thumb_path=a.thumb_path, stamped_path=a.stamped_path, width=a.width, height=a.height,
                 school=school, item=f"{name} {label.get('zh') or name}", taken_at=a.taken_at or a.created_at)
        for a, school, label, name in db.session.execute(stmt)
    ]


def _clause(text: str) -> str:
    """A description trimmed to one clause, for 'typical case' mentions."""
    first = text.strip().split("。")[0].split("；")[0]
    return first[:60]



@dataclass
class SchoolProblem:
    """One confirmed problem of a school, with its rectification as recorded so far."""

    number: int
    section: str
    item: str
    description: str
    policy_basis: str
    severity: str
    due_on: date | None
    status: str
    closed: bool
    overdue: bool
    measures: str
    responsible: str
    submitted_on: date | None
    closed_on: date | None
    verify_note: str
    evidence_files: int


@dataclass
class SchoolData:
    """What the 整改通知书 and the school's 整改情况报告 say about one school in one campaign."""

    org_name: str
    recipient: str
    campaign_name: str
    campaign_code: str
    checklist_title: str
    school_name: str
    school_code: str
    county_name: str
    is_kindergarten: bool
    visit_dates: tuple[date, date] | None
    inspectors: list[str]
    report_date: date
    default_due_on: date
    problems: list[SchoolProblem]
    photos: list[PhotoRow]

    @property
    def n_closed(self) -> int:
        return sum(p.closed for p in self.problems)


def build_school_data(campaign: Campaign, school: School, *, as_of: date | None = None,
                      evidence_photos: bool = False) -> SchoolData:
    """Collect a school's visit, confirmed problems and rectification records in a campaign."""
    from ..errors import NotFound

    as_of = as_of or local_today()
    visit = db.session.scalar(
        sa.select(Visit).where(Visit.campaign_id == campaign.id, Visit.school_id == school.id)
        .options(orm.selectinload(Visit.assignments).joinedload(VisitInspector.user))
    )
    if visit is None:
        from flask_babel import gettext as _

        raise NotFound(_("School “%(school)s” is not part of campaign %(campaign)s.", school=school.name,
                         campaign=campaign.code))
    findings = list(db.session.scalars(
        sa.select(Finding)
        .where(Finding.visit_id == visit.id, Finding.status == FindingStatus.CONFIRMED)
        .options(orm.joinedload(Finding.item).joinedload(ChecklistItem.section),
                 orm.joinedload(Finding.rectification))
        .order_by(Finding.id)
    ).unique())
    findings.sort(key=lambda f: (f.item.section.position if f.item and f.item.section else 10_000,
                                 f.item.position if f.item else 10_000, f.id))
    rect_ids = [f.rectification.id for f in findings if f.rectification]
    evidence_counts = dict(db.session.execute(
        sa.select(Attachment.rectification_id, sa.func.count())
        .where(Attachment.rectification_id.in_(rect_ids)).group_by(Attachment.rectification_id)
    ).all()) if rect_ids else {}
    problems = []
    for number, finding in enumerate(findings, start=1):
        rect = finding.rectification
        status = rect.status if rect else RectificationStatus.NOT_STARTED
        closed = status == RectificationStatus.CLOSED
        overdue = bool(rect and rect.overdue_on(as_of))
        item = finding.item
        problems.append(SchoolProblem(
            number=number,
            section=(item.section.label.get("zh") or item.section.display_label) if item and item.section else "其他",
            item=(item.label.get("zh") or item.display_label) if item else "",
            description=finding.description.strip(),
            policy_basis=(item.policy_basis or "").strip() if item else "",
            severity=finding.severity.zh,
            due_on=rect.due_on if rect else None,
            status="逾期" if overdue else status.zh,
            closed=closed,
            overdue=overdue,
            measures=(rect.measures or "").strip() if rect else "",
            responsible=" ".join(x for x in ((rect.responsible_unit or ""), (rect.responsible_person or ""))
                                 if x) if rect else "",
            submitted_on=_local_date(rect.submitted_at) if rect else None,
            closed_on=rect.closed_on if rect else None,
            verify_note=(rect.verify_note or "").strip() if rect else "",
            evidence_files=evidence_counts.get(rect.id, 0) if rect else 0,
        ))
    days = [d for d in (_local_date(visit.checkin_at), _local_date(visit.started_at), visit.planned_on,
                        _local_date(visit.submitted_at)) if d]
    inspectors = [a.user.display_name for a in sorted(visit.assignments, key=lambda a: (not a.is_leader, a.id))]
    version = campaign.checklist_version
    config = current_app.config
    return SchoolData(
        org_name=config["ORG_NAME"],
        recipient=config["ORG_NAME"],
        campaign_name=campaign.name,
        campaign_code=campaign.code,
        checklist_title=(version.title.get("zh") or version.display_title).strip().strip("《》"),
        school_name=school.name,
        school_code=school.code,
        county_name=school.county.name,
        is_kindergarten=school.level == SchoolLevel.PRESCHOOL,
        visit_dates=(min(days), max(days)) if days else None,
        inspectors=inspectors,
        report_date=as_of,
        default_due_on=campaign.default_due_on,
        problems=problems,
        photos=evidence_photo_rows(rect_ids, school.name, findings) if evidence_photos
        else finding_photos(campaign, school_id=school.id),
    )


def evidence_photo_rows(rect_ids: list[int], school: str, findings: list[Finding]) -> list[PhotoRow]:
    """The evidence photos a school uploaded for its rectifications, problem by problem."""
    if not rect_ids:
        return []
    order = {f.rectification.id: i for i, f in enumerate(findings) if f.rectification}
    labels = {
        f.rectification.id: f"问题{i}" + (f" {f.item.name}" if f.item else "")
        for i, f in enumerate(findings, start=1) if f.rectification
    }
    photos = db.session.scalars(
        sa.select(Attachment).where(Attachment.rectification_id.in_(rect_ids),
                                    Attachment.kind == AttachmentKind.PHOTO)
    ).all()
    photos = sorted(photos, key=lambda a: (order.get(a.rectification_id or 0, 0), a.id))
    return [
        PhotoRow(path=a.path, thumb_path=a.thumb_path, stamped_path=a.stamped_path, width=a.width, height=a.height,
                 school=school, item=labels.get(a.rectification_id or 0, ""), taken_at=a.taken_at or a.created_at)
        for a in photos
    ]


def _local_date(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    from datetime import UTC

    from ..db import LOCAL_TZ

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()


@dataclass
class ProgressRow:
    """Inspection and rectification figures of one campaign or county, for a month and as of its end."""

    name: str
    schools: int = 0
    visits_done: int = 0
    visits_done_in_month: int = 0
    findings: int = 0
    findings_in_month: int = 0
    closed: int = 0
    closed_in_month: int = 0
    open: int = 0
    overdue: int = 0


@dataclass
class OverdueRow:
    campaign: str
    county: str
    school: str
    description: str
    due_on: date
    days_late: int
    status: str


@dataclass
class MonthlyData:
    """The 月报: every campaign's progress in a month, by campaign and by county, and the overdue problems."""

    org_name: str
    recipient: str
    year: int
    month: int
    first_day: date
    as_of: date
    report_date: date
    campaigns: list[ProgressRow]
    counties: list[ProgressRow]
    total: ProgressRow
    overdue: list[OverdueRow]


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    from calendar import monthrange

    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def build_monthly_data(campaigns: list[Campaign], year: int, month: int, *,
                       today: date | None = None) -> MonthlyData:
    """Figures for the month, counted as of its last day (or today, for the month under way)."""
    today = today or local_today()
    first, last = month_bounds(year, month)
    as_of = min(last, today)
    ids = [c.id for c in campaigns]
    by_campaign = {c.id: ProgressRow(name=c.name) for c in campaigns}
    by_county: dict[tuple[int, str], ProgressRow] = {}
    total = ProgressRow(name="合计")

    def rows(campaign_id: int, county: tuple[int, str]) -> list[ProgressRow]:
        return [by_campaign[campaign_id], by_county.setdefault(county, ProgressRow(name=county[1])), total]

    for campaign_id, county_pos, county_name, status, reviewed_at in db.session.execute(
        sa.select(Visit.campaign_id, County.position, County.name, Visit.status, Visit.reviewed_at)
        .join(School, School.id == Visit.school_id).join(County, County.id == School.county_id)
        .where(Visit.campaign_id.in_(ids))
    ):
        reviewed = _local_date(reviewed_at)
        for row in rows(campaign_id, (county_pos, county_name)):
            row.schools += 1
            if status == "approved" and reviewed and reviewed <= as_of:
                row.visits_done += 1
                row.visits_done_in_month += reviewed >= first
    overdue: list[OverdueRow] = []
    campaign_names = {c.id: c.name for c in campaigns}
    for finding, county_pos, county_name, school_name in db.session.execute(
        sa.select(Finding, County.position, County.name, School.name)
        .join(School, School.id == Finding.school_id).join(County, County.id == School.county_id)
        .where(Finding.campaign_id.in_(ids), Finding.status == FindingStatus.CONFIRMED)
        .options(orm.joinedload(Finding.rectification))
        .order_by(County.position, School.code, Finding.id)
    ):
        decided = _local_date(finding.decided_at or finding.created_at) or as_of
        if decided > as_of:
            continue
        rect = finding.rectification
        closed_on = rect.closed_on if rect else None
        closed = closed_on is not None and closed_on <= as_of
        late = bool(rect and not closed and rect.due_on < as_of)
        for row in rows(finding.campaign_id, (county_pos, county_name)):
            row.findings += 1
            row.findings_in_month += decided >= first
            row.closed += closed
            row.closed_in_month += bool(closed and closed_on and closed_on >= first)
            row.open += not closed
            row.overdue += late
        if late and rect:
            overdue.append(OverdueRow(
                campaign=campaign_names[finding.campaign_id], county=county_name, school=school_name,
                description=finding.description.strip(), due_on=rect.due_on,
                days_late=(as_of - rect.due_on).days, status=rect.status.zh,
            ))
    config = current_app.config
    return MonthlyData(
        org_name=config["ORG_NAME"],
        recipient=config["REPORT_RECIPIENT"],
        year=year,
        month=month,
        first_day=first,
        as_of=as_of,
        report_date=today,
        campaigns=[by_campaign[c.id] for c in campaigns],
        counties=[row for _key, row in sorted(by_county.items())],
        total=total,
        overdue=overdue,
    )
