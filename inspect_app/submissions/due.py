"""When each report is due, and whether it arrived late: the one home of both rules.

- **月报**: the report of month M is due by day ``SUBMISSION_MONTHLY_DUE_DAY`` (30) *of month M itself*,
  or the month's last day when it is shorter (28 or 29 February). The source report says so: under the
  月报制度 the city "于4月30日、6月30日分别向省学生资助管理中心提交了工作报告" — April's report by 30 April,
  June's by 30 June. A 月报 counts from the month ``SUBMISSION_MONTHLY_FROM`` (``YYYY-MM``) when it is set,
  else from the month the city's first campaign began; a city without a campaign owes none.
- **督导检查情况报告**: due ``SUBMISSION_INVESTIGATION_DUE_DAYS`` (15) days after the campaign's last day,
  for each of the city's own campaigns (a county's campaign reports to its city, a province campaign is
  the province's) that has left planning and has a last day.
- **Late**: a report is late when it first arrived after its due date, on the Asia/Shanghai calendar (after
  23:59:59 Beijing time on the due day). A resubmission after a return keeps the first arrival.
  :func:`is_late` and its SQL twin :func:`late_clause` both compare with :func:`deadline_end`.
"""

from __future__ import annotations

import calendar
import re
import typing as t
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..campaigns.models import Campaign
from ..campaigns.models import CampaignStatus
from ..db import LOCAL_TZ
from ..errors import ValidationFailed
from ..extensions import db
from .models import SubmissionKind

MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
CAMPAIGN_PERIOD = "campaign-{id}"


def month_period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def parse_month(value: str) -> tuple[int, int]:
    """A month written ``YYYY-MM``; anything else is refused naming the value."""
    match = MONTH.fullmatch(value.strip())
    if match is None:
        raise ValidationFailed(_("“%(value)s” is not a month; write it as 2026-11.", value=value[:20]))
    return int(match.group(1)), int(match.group(2))


def campaign_period(campaign_id: int) -> str:
    return CAMPAIGN_PERIOD.format(id=campaign_id)


def monthly_due_on(period: str) -> date:
    """The due date of the 月报 of ``period`` (YYYY-MM): day SUBMISSION_MONTHLY_DUE_DAY of that month."""
    year, month = parse_month(period)
    day = int(current_app.config["SUBMISSION_MONTHLY_DUE_DAY"])
    return date(year, month, max(1, min(day, calendar.monthrange(year, month)[1])))


def investigation_due_on(campaign: Campaign) -> date | None:
    """The due date of a campaign's investigation report: SUBMISSION_INVESTIGATION_DUE_DAYS after its last day."""
    if campaign.ends_on is None:
        return None
    return campaign.ends_on + timedelta(days=int(current_app.config["SUBMISSION_INVESTIGATION_DUE_DAYS"]))


def deadline_end(due_on: date) -> datetime:
    """The moment a due day ends: midnight after it, Beijing time, in UTC."""
    return datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def is_late(arrived_at: datetime | None, due_on: date | None) -> bool:
    """Whether a report that arrived at ``arrived_at`` came after its due date (never without either)."""
    return arrived_at is not None and due_on is not None and arrived_at >= deadline_end(due_on)


def late_clause(arrived_col: t.Any, due_on: date) -> sa.ColumnElement[bool]:
    """:func:`is_late` as a WHERE clause over an arrival column, for reports sharing one due date."""
    return t.cast(sa.ColumnElement[bool], arrived_col >= deadline_end(due_on))


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[str]:
    """The months from ``first`` to ``last``, newest first."""
    periods = []
    year, month = last
    while (year, month) >= first:
        periods.append(month_period(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods


def monthly_start(city_ids: t.Collection[int]) -> dict[int, tuple[int, int]]:
    """The first month each city owes a 月报 (one query); cities owing none are left out."""
    configured = str(current_app.config.get("SUBMISSION_MONTHLY_FROM") or "").strip()
    if configured:
        start = parse_month(configured)
        return dict.fromkeys(city_ids, start)
    rows = db.session.execute(
        sa.select(Campaign.city_id, sa.func.min(Campaign.starts_on))
        .where(Campaign.city_id.in_(sorted(city_ids)), Campaign.starts_on.is_not(None))
        .group_by(Campaign.city_id)
    ).all()
    return {city_id: (first.year, first.month) for city_id, first in rows
            if city_id is not None and first is not None}


def due_campaigns_filter() -> sa.ColumnElement[bool]:
    """The campaigns that owe the province an investigation report: a city's own, begun, with a last day."""
    return sa.and_(Campaign.city_id.is_not(None), Campaign.county_id.is_(None), Campaign.ends_on.is_not(None),
                   Campaign.status != CampaignStatus.PLANNING)


def kind_of(value: str) -> SubmissionKind:
    try:
        return SubmissionKind(value)
    except ValueError as exc:
        raise ValidationFailed(_("Unknown kind of report “%(kind)s”.", kind=value[:32])) from exc
