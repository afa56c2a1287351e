"""The figures of a campaign's 督导检查情况报告: scope, findings by section and severity, scores, rectification."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm

from ...campaigns.models import Campaign
from ...checklists.models import ChecklistItem
from ...checklists.models import ChecklistSection
from ...checklists.models import Severity
from ...db import local_today
from ...extensions import db
from ...findings.models import Finding
from ...findings.models import FindingStatus
from ...rectification.models import Rectification
from ...rectification.models import RectificationStatus
from ...schools import regions
from ...schools.models import County
from ...schools.models import School
from ...schools.models import SchoolLevel
from ...visits.models import Visit
from ...visits.models import VisitInspector
from ...visits.models import VisitStatus
from .common import PhotoRow
from .common import finding_photos
from .rates import RatesData
from .rates import collect_rates

MAX_METHODS = 6


@dataclass
class ProblemRow:
    reference: str
    section: str
    item: str
    description: str
    severity: Severity
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
    n_inspected: int
    n_counties: int
    n_inspectors: int
    schools_by_county: list[tuple[str, int]]
    schools_by_level: list[tuple[str, int]]
    methods: list[str]
    n_findings: int
    n_schools_with_findings: int
    findings_by_section: list[SectionCount]
    findings_by_severity: list[tuple[Severity, int]]
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
    # Inspected schools whose problems are all still awaiting the campaign office's decision: they
    # are not schools without problems.
    n_schools_awaiting_decision: int = 0
    # 两率一度: the campaign's survey rounds and the roster checks of its term (none measured by default).
    rates: RatesData = field(default_factory=RatesData)

    @property
    def n_not_inspected(self) -> int:
        """Schools whose inspection has not been submitted yet (planned, under way or returned)."""
        return max(0, self.n_schools - self.n_inspected)


# A school counts as inspected once its results are submitted; approval comes after.
INSPECTED = (VisitStatus.SUBMITTED, VisitStatus.APPROVED)


def build_investigation_data(campaign: Campaign, *, as_of: date | None = None) -> InvestigationData:
    """Collect the campaign's scope, findings and rectification state as of a date (default today)."""
    as_of = as_of or local_today()
    visit_rows = db.session.execute(
        sa.select(School.county_id, County.name, County.position, School.level, Visit.status)
        .join(School, School.id == Visit.school_id)
        .join(County, County.id == School.county_id)
        .where(Visit.campaign_id == campaign.id)
    ).all()
    by_county: Counter[tuple[int, str]] = Counter()
    by_level: Counter[SchoolLevel] = Counter()
    done = inspected = 0
    for _county_id, county_name, position, level, visit_status in visit_rows:
        by_county[(position, county_name)] += 1
        by_level[level] += 1
        done += visit_status == VisitStatus.APPROVED
        inspected += visit_status in INSPECTED
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
            severity=finding.severity,
            due_on=rect.due_on if rect else None,
            status="逾期" if is_overdue else status.zh,
            overdue=is_overdue,
        ))
    closed = status_counts[RectificationStatus.CLOSED]
    version = campaign.checklist_version
    office = regions.issuer(campaign.city_id)
    max_score, scores = _scores(campaign, findings)
    all_sections = _assessed_sections(campaign)
    return InvestigationData(
        org_name=office.org_name,
        recipient=office.recipient,
        city_name=office.region,
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
        n_inspected=inspected,
        n_counties=len(by_county),
        n_inspectors=n_inspectors,
        schools_by_county=[(name, n) for (_pos, name), n in sorted(by_county.items())],
        schools_by_level=[(lvl.zh, by_level[lvl]) for lvl in SchoolLevel if by_level[lvl]],
        methods=[m for m, _n in method_counts.most_common(MAX_METHODS)],
        n_findings=len(findings),
        n_schools_with_findings=len(schools),
        findings_by_section=findings_by_section,
        findings_by_severity=[(s, severity_counts[s]) for s in reversed(Severity) if severity_counts[s]],
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
        n_schools_awaiting_decision=len(_schools_with_raised_findings(campaign) - {f.school_id for f in findings}),
        rates=collect_rates(campaign, sender="reports.investigation"),
    )


def _schools_with_raised_findings(campaign: Campaign) -> set[int]:
    """Schools with problems raised by the inspection and not yet confirmed or dismissed."""
    return set(db.session.scalars(
        sa.select(Finding.school_id).distinct()
        .where(Finding.campaign_id == campaign.id, Finding.status == FindingStatus.RAISED)
    ))


def _assessed_sections(campaign: Campaign) -> list[str]:
    """The checklist's sections that hold assessed items, in checklist order.

    An item is assessed when it is scored (a weight) or has fail values of its own. Parts of the form
    (基本情况, 检查组意见) are not areas of inspection, so a report never names them among the areas
    without problems; the team's "other problems" entries in 检查组意见 (a repeat whose item names the
    area with a fail value for every area) record problems found elsewhere and do not make it one.
    """
    assessed = {
        section_id
        for section_id, fail_values, weight, repeat_id in db.session.execute(
            sa.select(ChecklistItem.section_id, ChecklistItem.fail_values, ChecklistItem.weight,
                      ChecklistItem.repeat_id).where(
                ChecklistItem.version_id == campaign.checklist_version_id, ChecklistItem.section_id.is_not(None)
            )
        )
        if weight is not None or (fail_values and repeat_id is None)
    }
    return [
        section.label.get("zh") or section.display_label
        for section in db.session.scalars(
            sa.select(ChecklistSection).where(ChecklistSection.version_id == campaign.checklist_version_id)
            .order_by(ChecklistSection.position)
        )
        if section.id in assessed
    ]


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
                   if total is not None and status == VisitStatus.APPROVED else None),
            problems=lost[visit_id],
            veto=visit_id in veto,
        )
        for visit_id, status, name, _code, level, county, _position in rows
    ]
    return total, scores


def _clause(text: str) -> str:
    """A description trimmed to one clause, for 'typical case' mentions."""
    first = text.strip().split("。")[0].split("；")[0]
    return first[:60]
