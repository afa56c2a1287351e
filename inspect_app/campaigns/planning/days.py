"""A team's days: working days, schools cut into one-county days in a short round, days given out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

from .model import SchoolIn
from .model import distance_km
from .model import location


@dataclass(frozen=True)
class Overflow:
    """A team's schools need more days than it has free."""

    team_id: int
    days_needed: int
    days_free: int


def working_days(start: date, end: date | None, *, count: int | None = None,
                 days_off: Collection[date] = ()) -> list[date]:
    """Monday–Friday from ``start`` to ``end`` inclusive (or the first ``count`` of them when open-ended),
    leaving out ``days_off``."""
    days: list[date] = []
    day = start
    while (end is None or day <= end) and (count is None or len(days) < count):
        if day.weekday() < 5 and day not in days_off:
            days.append(day)
        day += timedelta(days=1)
    return days


def day_groups(schools: Sequence[SchoolIn], per_day: int, county_order: dict[int, int] | None = None
               ) -> list[list[SchoolIn]]:
    """A team's schools cut into days: one county a day, a nearest-neighbour round within each county."""
    by_county: dict[int, list[SchoolIn]] = defaultdict(list)
    for school in schools:
        by_county[school.county_id].append(school)
    rank = county_order or {}
    groups: list[list[SchoolIn]] = []
    for county_id in sorted(by_county, key=lambda c: (rank.get(c, c), c)):
        tour = _round(by_county[county_id])
        groups.extend(tour[i:i + per_day] for i in range(0, len(tour), per_day))
    return groups


def _round(schools: Sequence[SchoolIn]) -> list[SchoolIn]:
    """Nearest-neighbour round from the westernmost school; schools without coordinates last, by code."""
    located = sorted((s for s in schools if location(s)), key=lambda s: (s.lon or 0, s.code))
    rest = sorted((s for s in schools if not location(s)), key=lambda s: s.code)
    if not located:
        return rest
    tour = [located.pop(0)]
    while located:
        here = location(tour[-1])
        assert here is not None
        nearest = min(located, key=lambda s: (distance_km(here, location(s) or here), s.code))
        located.remove(nearest)
        tour.append(nearest)
    return tour + rest


def schedule(groups: Sequence[Sequence[SchoolIn]], free_days: Sequence[date], *, team_id: int
             ) -> dict[int, date] | Overflow:
    """Put each day-group on the next free working day, or report that the days run out."""
    if len(groups) > len(free_days):
        return Overflow(team_id, len(groups), len(free_days))
    return {school.id: day for group, day in zip(groups, free_days, strict=False) for school in group}
