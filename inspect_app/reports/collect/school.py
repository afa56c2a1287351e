"""One school in one campaign, for its 整改通知书 and its 整改情况报告: the visit, problems and rectification."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ...campaigns.models import Campaign
from ...checklists.models import ChecklistItem
from ...checklists.models import Severity
from ...core.documents import zh_date
from ...db import local_today
from ...errors import NotFound
from ...extensions import db
from ...findings.comments import comments as finding_comments
from ...findings.models import Finding
from ...findings.models import FindingStatus
from ...media.models import Attachment
from ...rectification.models import RectificationStatus
from ...schools import regions
from ...schools.models import School
from ...schools.models import SchoolLevel
from ...visits.models import Visit
from ...visits.models import VisitInspector
from .common import PhotoRow
from .common import evidence_photo_rows
from .common import finding_photos
from .common import local_date


@dataclass
class SchoolProblem:
    """One confirmed problem of a school, with its rectification as recorded so far."""

    number: int
    section: str
    item: str
    description: str
    policy_basis: str
    severity: Severity
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
    # The conversation on the problem (沟通记录), one line a comment: who, when, what.
    comments: list[str] = field(default_factory=list)


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
    as_of = as_of or local_today()
    visit = db.session.scalar(
        sa.select(Visit).where(Visit.campaign_id == campaign.id, Visit.school_id == school.id)
        .options(orm.selectinload(Visit.assignments).joinedload(VisitInspector.user))
    )
    if visit is None:
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
    conversations = finding_comments(f.id for f in findings)
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
            severity=finding.severity,
            due_on=rect.due_on if rect else None,
            status="逾期" if overdue else status.zh,
            closed=closed,
            overdue=overdue,
            measures=(rect.measures or "").strip() if rect else "",
            responsible=" ".join(x for x in ((rect.responsible_unit or ""), (rect.responsible_person or ""))
                                 if x) if rect else "",
            submitted_on=local_date(rect.submitted_at) if rect else None,
            closed_on=rect.closed_on if rect else None,
            verify_note=(rect.verify_note or "").strip() if rect else "",
            evidence_files=evidence_counts.get(rect.id, 0) if rect else 0,
            comments=[f"{c.author.display_name}（{zh_date(local_date(c.created_at) or as_of)}）：{c.body.strip()}"
                      for c in conversations[finding.id]],
        ))
    days = [d for d in (local_date(visit.checkin_at), local_date(visit.started_at), visit.planned_on,
                        local_date(visit.submitted_at)) if d]
    inspectors = [a.user.display_name for a in sorted(visit.assignments, key=lambda a: (not a.is_leader, a.id))]
    version = campaign.checklist_version
    office = regions.issuer(campaign.city_id)
    return SchoolData(
        org_name=office.org_name,
        recipient=office.org_name,
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
