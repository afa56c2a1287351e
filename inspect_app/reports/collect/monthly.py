"""The 月报: every campaign's inspection and rectification progress in a month, and the overdue problems."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm

from ...audit import services as audit
from ...campaigns.models import Campaign
from ...db import local_today
from ...extensions import db
from ...findings.models import Finding
from ...findings.models import FindingStatus
from ...schools import regions
from ...schools.models import County
from ...schools.models import School
from ...visits.models import Visit
from ...visits.models import VisitStatus
from .common import local_date
from .investigation import INSPECTED
from .rates import RatesData
from .rates import collect_rates


@dataclass
class ProgressRow:
    """Inspection and rectification figures of one campaign or county, for a month and as of its end."""

    name: str
    schools: int = 0
    inspected: int = 0
    visits_done: int = 0
    visits_done_in_month: int = 0
    findings: int = 0
    findings_in_month: int = 0
    closed: int = 0
    closed_in_month: int = 0
    open: int = 0
    overdue: int = 0
    # 两率一度 of a campaign (None on the county and total rows).
    rates: RatesData | None = None

    @property
    def not_inspected(self) -> int:
        """Schools whose inspection was not submitted by the day counted."""
        return max(0, self.schools - self.inspected)


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
    # The audit chain's head when the report was built: a copy sent upward anchors the log (audit verify).
    audit_entries: int = 0
    audit_hash: str = ""


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
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

    for campaign_id, county_pos, county_name, status, submitted_at, reviewed_at in db.session.execute(
        sa.select(Visit.campaign_id, County.position, County.name, Visit.status, Visit.submitted_at,
                  Visit.reviewed_at)
        .join(School, School.id == Visit.school_id).join(County, County.id == School.county_id)
        .where(Visit.campaign_id.in_(ids))
    ):
        reviewed = local_date(reviewed_at)
        submitted = local_date(submitted_at or reviewed_at)
        inspected = status in INSPECTED and (submitted is None or submitted <= as_of)
        for row in rows(campaign_id, (county_pos, county_name)):
            row.schools += 1
            row.inspected += inspected
            if status == VisitStatus.APPROVED and reviewed and reviewed <= as_of:
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
        decided = local_date(finding.decided_at or finding.created_at) or as_of
        if decided > as_of:
            continue
        rect = finding.rectification
        closed_on = rect.closed_on if rect else None
        closed = closed_on is not None and closed_on <= as_of
        # Overdue as the month ended: judged by the closing date, not by today's status.
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
    # The 月报 is a city's: its campaigns are the city's (a province campaign's the province's).
    office = regions.issuer(campaigns[0].city_id if campaigns else regions.home_city().id)
    head = audit.head()
    for campaign in campaigns:
        by_campaign[campaign.id].rates = collect_rates(campaign, sender="reports.monthly")
    return MonthlyData(
        org_name=office.org_name,
        recipient=office.recipient,
        year=year,
        month=month,
        first_day=first,
        as_of=as_of,
        report_date=today,
        campaigns=[by_campaign[c.id] for c in campaigns],
        counties=[row for _key, row in sorted(by_county.items())],
        total=total,
        overdue=overdue,
        audit_entries=head.count,
        audit_hash=head.hash,
    )
