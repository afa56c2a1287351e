"""Load the demo world of domain.md: 渭南市, its 11 counties, schools, accounts and campaigns.

Everything is created through the services, at the times it would have happened
(see :func:`.world.happened_at`), so the audit log, deadlines and overdue
figures read like a live system. Dates are relative to the day the demo is loaded.
"""

from __future__ import annotations

import time
import typing as t
from datetime import date

import sqlalchemy as sa

from ..db import local_today
from ..extensions import db
from ..schools.models import County
from . import campaigns
from .funds import rosters_and_funds
from .notifications import inboxes
from .province import province
from .publicity import notices
from .surveys import surveys
from .world import COUNTIES
from .world import World


class Progress(t.Protocol):
    """Told of each step of the load: its number, the number of steps, its name and its duration in seconds."""

    def __call__(self, number: int, total: int, name: str, seconds: float) -> None: ...


def steps(world: World) -> list[tuple[str, t.Callable[[], None]]]:
    """The load in the order it happened; the random draws of one step depend on those before."""
    state: dict[str, t.Any] = {}

    def places() -> None:
        state["by_county"] = world.counties_and_schools()

    def people() -> None:
        world.accounts()
        world.conflicts(state["by_county"])

    def checklist() -> None:
        state["version"] = world.checklist()

    def main() -> None:
        campaigns.main_campaign(world, state["version"], state["by_county"])

    def earlier() -> None:
        campaigns.earlier_campaign(world, state["version"], state["by_county"])

    def current() -> None:
        state["current"] = campaigns.current_campaign(world, state["version"], state["by_county"])

    def later() -> None:
        campaigns.next_campaign(world, state["version"])
        world.checklist_revision(state["version"])

    return [
        ("counties and schools", places),
        ("accounts", people),
        ("checklist", checklist),
        ("main campaign (108 schools)", main),
        ("earlier campaign", earlier),
        ("campaign under way", current),
        ("next campaign, checklist revision", later),
        ("rosters and funds", lambda: rosters_and_funds(world, state["current"])),
        ("公示 of 华州区 schools", lambda: notices(world)),
        ("notifications", lambda: inboxes(world)),
        ("surveys", lambda: surveys(world)),
        ("the province: two more cities, a cross-city campaign, 月报", lambda: province(world, state["version"])),
    ]


def run(world: World, progress: Progress | None = None) -> None:
    """Build the world step by step, telling ``progress`` as each step ends."""
    todo = steps(world)
    for number, (name, step) in enumerate(todo, start=1):
        started = time.perf_counter()
        step()
        if progress is not None:
            progress(number, len(todo), name, time.perf_counter() - started)


def demo_loaded() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(County.name == COUNTIES[0][0]))) or False


def load_demo(today: date | None = None, progress: Progress | None = None) -> bool:
    """Load the demo world unless it is already there; return whether anything was loaded."""
    if demo_loaded():
        return False
    run(World(today or local_today()), progress)
    return True
