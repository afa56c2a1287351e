"""Rectification figures that lower floors use without importing rectification: they ask by signal."""

from __future__ import annotations

import sqlalchemy as sa

from ..campaigns.models import Campaign
from ..core import signals
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..schools.models import School
from .models import Rectification
from .models import RectificationStatus


def open_problem_school_ids(campaign: Campaign) -> set[int]:
    """Schools (in the campaign's county) with a confirmed problem from another campaign not yet closed (销号)."""
    stmt = (
        sa.select(Finding.school_id).join(Rectification, Rectification.finding_id == Finding.id)
        .where(Finding.status == FindingStatus.CONFIRMED, Rectification.status != RectificationStatus.CLOSED,
               Finding.campaign_id != campaign.id)
    )
    if campaign.county_id is not None:
        stmt = stmt.join(School, School.id == Finding.school_id).where(School.county_id == campaign.county_id)
    return set(db.session.scalars(stmt.distinct()))


def connect_signals() -> None:
    """Tell a campaign's sample which schools still have problems open."""
    signals.open_problem_schools.connect(open_problem_school_ids)
