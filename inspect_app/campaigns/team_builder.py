"""Form a campaign's teams at one go from the inspectors without a team; :mod:`.planning.crews` deals them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import Role
from ..auth.models import User
from ..errors import ValidationFailed
from ..extensions import db
from .lifecycle import require_open
from .models import Campaign
from .models import Team
from .models import TeamMember
from .planning.crews import Person
from .planning.crews import deal
from .teams import write_team

TEAM_SIZE_MIN, TEAM_SIZE_MAX = 2, 8


def available_inspectors(campaign: Campaign) -> list[User]:
    """Active inspectors of the campaign's region without a team in it: every city's for a province campaign,
    the city's own for a city's or a county's."""
    in_team = sa.select(TeamMember.user_id).where(TeamMember.campaign_id == campaign.id)
    stmt = sa.select(User).where(User.role == Role.INSPECTOR, User.active.is_(True), User.id.not_in(in_team))
    if campaign.level != "province":
        stmt = stmt.where(User.city_id == campaign.city_id)
    return list(db.session.scalars(stmt.order_by(User.city_id, User.county_id, User.username)))


def form_teams(campaign: Campaign, *, size: int, actor: User | None) -> list[Team]:
    """Deal the available inspectors into new teams of about ``size``, mixing cities (a province campaign)
    or counties (a city's), so that the cross rule leaves each team as much of the region as it can."""
    require_open(campaign)
    if not TEAM_SIZE_MIN <= size <= TEAM_SIZE_MAX:
        raise ValidationFailed(_("A team has between %(min)d and %(max)d members, not %(n)d.",
                                 min=TEAM_SIZE_MIN, max=TEAM_SIZE_MAX, n=size))
    inspectors = available_inspectors(campaign)
    if not inspectors:
        raise ValidationFailed(_("Every active inspector of the campaign's region is in a team already."))
    province = campaign.level == "province"
    people = [Person(u.id, u.city_id if province else u.county_id, u.county_id, u.username) for u in inspectors]
    by_id = {u.id: u for u in inspectors}
    taken = {team.name for team in campaign.teams}
    number = len(campaign.teams)
    teams = []
    for ids in deal(people, size):
        number += 1
        while (name := _("Team %(n)d", n=number)) in taken:
            number += 1
        members = [by_id[i] for i in ids]
        teams.append(write_team(campaign, None, name=name, leader=members[0], people=members, actor=actor))
    return teams
