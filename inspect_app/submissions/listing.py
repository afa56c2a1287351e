"""The command line's list: every city's reports due in one month, as plain rows (JSON-ready)."""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..campaigns.models import Campaign
from ..extensions import db
from ..schools.models import City
from . import due
from . import services
from .services import DueItem


def rows(month: str, today: date) -> list[dict[str, t.Any]]:
    """The 月报 of ``month`` for every city, then the investigation reports due in that month (five queries)."""
    cities = list(db.session.scalars(sa.select(City).order_by(City.position, City.id)))
    items = services.province_monthly(cities, month, today)
    year, number = due.parse_month(month)
    first = date(year, number, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    shift = timedelta(days=int(current_app.config["SUBMISSION_INVESTIGATION_DUE_DAYS"]))
    campaigns = list(db.session.scalars(
        services.due_campaigns_query().where(Campaign.ends_on >= first - shift, Campaign.ends_on <= last - shift)))
    items += sorted(services.investigation_items(campaigns, today),
                    key=lambda i: (i.city.position, i.city.id, i.due_on, i.campaign.id if i.campaign else 0))
    return [row(item) for item in items]


def row(item: DueItem) -> dict[str, t.Any]:
    s = item.submission
    return {
        "city": item.city.name, "city_id": item.city.id, "kind": item.kind.value, "period": item.period,
        "campaign": item.campaign.code if item.campaign else None,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "state": item.state,
        "arrived_at": s.arrived_at.isoformat() if s else None,
        "submitted_at": s.submitted_at.isoformat() if s else None,
        "late": item.late, "overdue": item.overdue,
        "document": s.report_job.filename if s else None,
        "return_reason": s.return_reason if s and s.state.value == "returned" else None,
    }
