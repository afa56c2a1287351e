"""The figures of the 全省学生资助交叉检查情况通报: a campaign's cities (or a city campaign's counties) side by side.

The figures by region have one home, the dashboard's ``regions`` module; the reports may not import the
dashboard, so they ask for them by the :data:`~inspect_app.core.signals.region_figures` signal. A province's
campaign is told by city and issued by the province's office (its ``org_name`` in the regions data); a city's
campaign by county, issued by the city's office. A county's campaign has no regions to compare and is refused.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ...campaigns.models import Campaign
from ...checklists.models import Severity
from ...core import signals
from ...db import local_today
from ...errors import ValidationFailed
from ...extensions import db
from ...schools.models import City
from ...schools.models import Province
from ...surveys.figures import rates_target

# How many typical problems the 通报 names per checklist section.
EXAMPLES = 3


@dataclass(frozen=True)
class AreaRow:
    """One city (or county) of the 通报, every figure from the data."""

    name: str
    schools: int
    visits: int
    inspected: int
    findings: int
    by_severity: dict[Severity, int]
    by_section: dict[str, int]
    closed: int
    overdue: int
    closed_rate: float | None
    overdue_rate: float | None
    awareness: float | None
    awareness_n: int
    precision: float | None
    precision_n: int
    satisfaction: float | None
    satisfaction_n: int

    @property
    def open(self) -> int:
        return self.findings - self.closed


@dataclass(frozen=True)
class TypicalProblem:
    area: str
    school: str
    description: str


@dataclass
class ProvincialData:
    """Everything the 通报 says about one campaign."""

    org_name: str
    recipient: str
    area_word: str  # 市 for a province's campaign, 县（市、区） for a city's
    campaign_name: str
    campaign_code: str
    starts_on: date | None
    ends_on: date | None
    report_date: date
    rows: list[AreaRow]
    total: AreaRow
    severities: list[Severity]
    sections: list[tuple[str, str]]  # (name, Chinese label), in checklist order
    examples: dict[str, list[TypicalProblem]] = field(default_factory=dict)
    survey_title: str | None = None
    semester: str | None = None
    target: float = 0.9

    @property
    def n_not_inspected(self) -> int:
        return max(0, self.total.visits - self.total.inspected)

    @property
    def rates_measured(self) -> bool:
        return self.survey_title is not None or self.semester is not None


def _row(area: t.Any, name: str | None = None) -> AreaRow:
    def n(rate: t.Any) -> int:
        return rate.n if rate is not None else 0

    return AreaRow(
        name=name if name is not None else area.name, schools=area.schools, visits=area.visits,
        inspected=area.inspected, findings=area.findings, by_severity=dict(area.by_severity),
        by_section=dict(area.by_section), closed=area.closed, overdue=area.overdue, closed_rate=area.closed_rate,
        overdue_rate=area.overdue_rate, awareness=area.awareness_rate, awareness_n=n(area.awareness),
        precision=area.precision_rate, precision_n=area.precision.paid if area.precision is not None else 0,
        satisfaction=area.satisfaction_rate, satisfaction_n=n(area.satisfaction),
    )


def issuer(campaign: Campaign) -> tuple[str, str, str]:
    """The issuing office, the 主送 and the word for the areas compared: the province's for its campaigns,
    the city's for a city campaign."""
    if campaign.city_id is not None:
        city = db.session.get_one(City, campaign.city_id)
        return city.org_name, "各县（市、区）学生资助管理中心", "县（市、区）"
    province = db.session.scalar(sa.select(Province).order_by(Province.position, Province.id).limit(1))
    org_name = province.org_name if province is not None else ""
    return org_name, "各市（区）学生资助管理中心", "市"


def build_provincial_data(campaign: Campaign, *, as_of: date | None = None) -> ProvincialData:
    """Collect the campaign's figures by city (by county for a city campaign) as of a date (default today)."""
    if campaign.county_id is not None:
        raise ValidationFailed(_("A circular compares the cities of a province campaign or the counties of a city "
                                 "campaign; %(code)s is a county's campaign.", code=campaign.code))
    answers = signals.values_from(signals.region_figures.send("reports.provincial", campaign=campaign,
                                                              examples=EXAMPLES))
    if not answers:
        raise ValidationFailed(_("The figures by region are not available."))
    board = answers[0]
    org_name, recipient, area_word = issuer(campaign)
    labels = {name: label.get("zh") or name for name, label in board.sections}
    return ProvincialData(
        org_name=org_name, recipient=recipient, area_word=area_word,
        campaign_name=campaign.name, campaign_code=campaign.code, starts_on=campaign.starts_on,
        ends_on=campaign.ends_on, report_date=as_of or local_today(),
        rows=[_row(area) for area in board.rows], total=_row(board.total, "合计"),
        severities=list(board.severities), sections=[(name, labels[name]) for name, _label in board.sections],
        examples={name: [TypicalProblem(e.area, e.school, e.description) for e in items]
                  for name, items in board.examples.items()},
        survey_title=board.survey.title if board.survey is not None else None, semester=board.semester,
        target=rates_target(),
    )
