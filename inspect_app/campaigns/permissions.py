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
    """Campaigns a staff user may see: those of their region, and those visiting its schools."""
    touching = (
        sa.select(Visit.campaign_id)
        .join(School, School.id == Visit.school_id)
        .where(core.in_region(viewer, School.county_id))
    )
    return core.campaign_filter(viewer, Campaign.id, Campaign.city_id, Campaign.county_id, touching)


def owns_campaign(user: Viewer, campaign: Campaign) -> bool:
    """The campaign is of the user's region or below (:func:`core.owns_region`)."""
    return core.owns_region(user, campaign.city_id, campaign.county_id)


def can_view_campaign(user: Viewer, campaign: Campaign) -> bool:
    if user.role not in STAFF:
        return False
    if owns_campaign(user, campaign):
        return True
    return db.session.scalar(
        sa.select(sa.exists().where(campaign_filter(user), Campaign.id == campaign.id))) or False


def can_report_on_campaign(user: Viewer, campaign: Campaign) -> bool:
    """The campaign's formal report covers all its schools: staff of the campaign's own region or above."""
    return owns_campaign(user, campaign)


def can_manage_campaign(user: Viewer, campaign: Campaign) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and owns_campaign(user, campaign)
