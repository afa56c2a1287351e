"""Finding figures that lower floors show without importing findings: they ask by signal (core.signals)."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ..auth.models import User
from ..campaigns.models import Campaign
from ..campaigns.models import Visit
from ..core import signals
from ..core.permissions import school_filter
from ..extensions import db
from ..schools.models import School
from .models import Finding
from .models import FindingStatus


def confirmed_counts(campaign_ids: t.Collection[int], viewer: User | None = None) -> dict[int, int]:
    """Confirmed findings per campaign; with a viewer, only at schools in their scope."""
    in_scope = school_filter(viewer, School.id, School.county_id) if viewer is not None else sa.true()
    stmt = (
        sa.select(Finding.campaign_id, sa.func.count())
        .join(School, School.id == Finding.school_id)
        .where(Finding.campaign_id.in_(list(campaign_ids)), Finding.status == FindingStatus.CONFIRMED, in_scope)
        .group_by(Finding.campaign_id)
    )
    return {campaign_id: n for campaign_id, n in db.session.execute(stmt)}


def open_problem_counts(visits: t.Sequence[Visit]) -> dict[int, int]:
    """Findings not dismissed, per visit, for one page of visits."""
    ids = [v.id for v in visits]
    if not ids:
        return {}
    stmt = (
        sa.select(Finding.visit_id, sa.func.count())
        .where(Finding.visit_id.in_(ids), Finding.status != FindingStatus.DISMISSED)
        .group_by(Finding.visit_id)
    )
    return {visit_id: n for visit_id, n in db.session.execute(stmt)}


def _campaign_figures(_sender: object, *, campaign_ids: t.Collection[int], viewer: User | None
                      ) -> tuple[str, dict[int, int]]:
    return "findings", confirmed_counts(campaign_ids, viewer)


def _visit_figures(_campaign: Campaign, *, visits: t.Sequence[Visit]) -> tuple[str, dict[int, int]]:
    return "problems", open_problem_counts(visits)


def connect_signals() -> None:
    """Answer the campaign list's and the visit list's questions about findings."""
    signals.campaign_figures.connect(_campaign_figures)
    signals.visit_figures.connect(_visit_figures)
