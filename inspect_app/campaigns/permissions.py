"""Which campaigns a staff member sees, reports on and manages."""

from __future__ import annotations

import sqlalchemy as sa

from ..core import permissions as core
from ..core.permissions import STAFF
from ..core.permissions import Viewer
from ..core.roles import Role
from ..extensions import db
from ..schools.models import School
from .models import Campaign
from .models import Visit


def campaign_filter(viewer: Viewer) -> sa.ColumnElement[bool]:
    """Campaigns a staff user may see: city-wide staff all; county staff theirs and those touching their county."""
    touching = (
        sa.select(Visit.campaign_id)
        .join(School, School.id == Visit.school_id)
        .where(School.county_id == viewer.county_id)
    )
    return core.campaign_filter(viewer, Campaign.id, Campaign.county_id, touching)


def can_view_campaign(user: Viewer, campaign: Campaign) -> bool:
    if user.role not in STAFF:
        return False
    if user.role == Role.ADMIN or user.county_id is None or campaign.county_id == user.county_id:
        return True
    return db.session.scalar(
        sa.select(sa.exists().where(campaign_filter(user), Campaign.id == campaign.id))) or False


def can_report_on_campaign(user: Viewer, campaign: Campaign) -> bool:
    """The campaign's formal report covers all its schools: city-wide staff, or the campaign's own county."""
    if user.role not in STAFF:
        return False
    return user.role == Role.ADMIN or user.county_id is None or campaign.county_id == user.county_id


def can_manage_campaign(user: Viewer, campaign: Campaign) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and (user.county_id is None or campaign.county_id == user.county_id)
