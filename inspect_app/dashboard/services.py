"""Figures for the overview page, scoped to the viewer."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from ..core.permissions import school_filter
from ..db import local_today
from ..extensions import db
from ..findings.models import Finding
from ..rectification.models import Rectification
from ..rectification.models import RectificationStatus
from ..schools.models import School
from ..visits.models import Visit
from ..visits.models import VisitStatus

if t.TYPE_CHECKING:
    from ..auth.models import User


@dataclass
class Overview:
    by_status: dict[RectificationStatus, int]
    total: int
    closed: int
    overdue: int
    due_soon: int
    awaiting_review: int
    awaiting_verification: int

    @property
    def closure_rate(self) -> int:
        return round(100 * self.closed / self.total) if self.total else 0


def overview(viewer: User) -> Overview:
    """Rectification counts in the viewer's scope, with overdue and due-within-7-days figures."""
    today = local_today()
    scope = school_filter(viewer, Finding.school_id, School.county_id)
    open_ = Rectification.status != RectificationStatus.CLOSED
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.sum(sa.case((sa.and_(open_, Rectification.due_on < today), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(open_, Rectification.due_on >= today,
                                         Rectification.due_on <= today + timedelta(days=7)), 1), else_=0)),
        )
        .select_from(Rectification)
        .join(Finding, Finding.id == Rectification.finding_id)
        .join(School, School.id == Finding.school_id)
        .where(scope)
    ).one()
    by_status = {s: 0 for s in RectificationStatus}
    for status, n in db.session.execute(
        sa.select(Rectification.status, sa.func.count())
        .join(Finding, Finding.id == Rectification.finding_id)
        .join(School, School.id == Finding.school_id)
        .where(scope)
        .group_by(Rectification.status)
    ):
        by_status[RectificationStatus(status)] = n
    awaiting_review = db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit).join(School, School.id == Visit.school_id)
        .where(school_filter(viewer, Visit.school_id, School.county_id), Visit.status == VisitStatus.SUBMITTED)
    ) or 0
    return Overview(
        by_status=by_status,
        total=int(row[0] or 0),
        closed=by_status[RectificationStatus.CLOSED],
        overdue=int(row[1] or 0),
        due_soon=int(row[2] or 0),
        awaiting_review=awaiting_review,
        awaiting_verification=by_status[RectificationStatus.SUBMITTED],
    )
