"""Load the demo world of domain.md: 渭南市, its 11 counties, schools, accounts and campaigns.

Everything is created through the services, at the times it would have happened
(see :func:`inspect_app.db.frozen_time`), so the audit log, deadlines and overdue
figures read like a live system. Dates are relative to the day the demo is loaded.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..db import local_today
from ..extensions import db
from ..schools.models import County
from . import campaigns
from .funds import rosters_and_funds
from .notifications import inboxes
from .world import COUNTIES
from .world import World


def run(world: World) -> None:
    """Build the world in the order it happened; the random draws of one step depend on those before."""
    by_county = world.counties_and_schools()
    world.accounts()
    world.conflicts(by_county)
    version = world.checklist()
    campaigns.main_campaign(world, version, by_county)
    campaigns.earlier_campaign(world, version, by_county)
    current = campaigns.current_campaign(world, version, by_county)
    campaigns.next_campaign(world, version)
    world.checklist_revision(version)
    rosters_and_funds(world, current)
    inboxes(world)


def demo_loaded() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(County.name == COUNTIES[0][0]))) or False


def load_demo(today: date | None = None) -> bool:
    """Load the demo world unless it is already there; return whether anything was loaded."""
    if demo_loaded():
        return False
    run(World(today or local_today()))
    return True
