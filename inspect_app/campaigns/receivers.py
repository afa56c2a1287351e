"""The campaigns package's receivers: campaigns and visits named in the audit log."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

from ..core import signals
from ..extensions import db
from .models import Campaign
from .models import Visit


def _campaign_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    return dict(db.session.execute(sa.select(Campaign.id, Campaign.name).where(Campaign.id.in_(ids))).all())


def _visit_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    """A visit is called by its school and its campaign."""
    stmt = sa.select(Visit).where(Visit.id.in_(ids)).options(orm.joinedload(Visit.school),
                                                             orm.joinedload(Visit.campaign))
    return {v.id: f"{v.school.name}（{v.campaign.name}）" for v in db.session.scalars(stmt)}


def connect_signals() -> None:
    """Connect the receivers (the app factory calls this once per app; connecting again is harmless)."""
    signals.audit_object_names.connect(_campaign_names, sender="campaigns")
    signals.audit_object_names.connect(_visit_names, sender="visits")
