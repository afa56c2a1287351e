"""Why no assignment keeps the rules: schools no team may inspect, and Hall's condition failing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .model import NoEligibleTeam
from .model import SchoolClass
from .model import SchoolIn
from .model import ShortOfCapacity
from .model import TeamIn


def no_team_reasons(empty: list[SchoolClass], teams: Sequence[TeamIn], cross_county: bool) -> list[NoEligibleTeam]:
    reasons = []
    by_county: dict[int, list[SchoolIn]] = defaultdict(list)
    for cls in empty:
        by_county[cls.county_id].extend(cls.schools)
    for county_id, schools in sorted(by_county.items()):
        local = tuple(t.id for t in teams if cross_county and county_id in t.home_counties)
        conflicts = tuple(
            (team.id, school.id)
            for school in schools
            for team in teams
            if team.id not in local and school.id in team.conflicts
        )
        reasons.append(NoEligibleTeam(county_id, tuple(s.id for s in schools), local, conflicts))
    return reasons


# ---------------------------------------------------------------------------------------------------------


def short_of_capacity(classes: list[SchoolClass], teams: dict[int, TeamIn], stuck: set[int],
                      reached: set[int]) -> ShortOfCapacity:
    """The classes ``stuck`` (reachable from an unserved class) can only go to the teams ``reached``, all full."""
    counties = tuple(sorted({classes[c].county_id for c in stuck}))
    demand = sum(classes[c].size for c in stuck)
    room = sum(teams[tid].capacity or 0 for tid in reached)
    ordered = tuple(t for t in teams if t in reached)
    return ShortOfCapacity(counties, demand, ordered, room)
