"""Rosters and funds: the source report's spring semester, and a county's rosters checked yesterday."""

from __future__ import annotations

from datetime import timedelta

from ..campaigns.models import Campaign
from ..rosters import demo as roster_demo
from .world import World
from .world import at
from .world import happened_at


def rosters_and_funds(world: World, current: Campaign) -> None:
    """The funds of the spring semester; the rosters of 华州区 checked for the campaign under way."""
    with happened_at(at(world.today - timedelta(days=1), 15)):
        roster_demo.load(city=world.users["supervisor"], county_supervisor=world.users["huazhou"],
                         campaign=current)
