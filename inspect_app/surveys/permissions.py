"""Who sees a survey round's rates and posters, and who opens rounds.

Staff see the rounds of the campaigns they see, and within a round only the schools of their county
(county staff) — the round's totals only when they see all its schools. Supervisors open rounds on
the campaigns they manage. Inspectors and school contacts see no rates: the answers are about
the schools they inspect or work in.
"""

from __future__ import annotations

from ..campaigns.models import Campaign
from ..campaigns.permissions import can_manage_campaign
from ..campaigns.permissions import can_view_campaign
from ..core.permissions import STAFF
from ..core.permissions import Viewer
from ..core.permissions import county_ok
from .models import SurveyLink
from .models import SurveyRound


def can_view_round(user: Viewer, survey: SurveyRound) -> bool:
    return user.role in STAFF and can_view_campaign(user, survey.campaign) and any(
        county_ok(user, link.school.county_id) for link in survey.links)


def can_view_link(user: Viewer, link: SurveyLink) -> bool:
    return can_view_round(user, link.round) and county_ok(user, link.school.county_id)


def can_open_round(user: Viewer, campaign: Campaign) -> bool:
    return can_manage_campaign(user, campaign)


def can_manage_round(user: Viewer, survey: SurveyRound) -> bool:
    return can_manage_campaign(user, survey.campaign)
