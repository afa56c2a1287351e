"""Why no assignment keeps the rules: schools no team may inspect, and Hall's condition failing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .model import NoEligibleTeam
from .model import SchoolClass
from .model import SchoolIn
from .model import ShortOfCapacity
from .model import TeamIn


def no_team_reasons(empty: list[SchoolClass], teams: Sequence[TeamIn], cross_county: bool,
                    cross_city: bool = False) -> list[NoEligibleTeam]:
    """Per county, the schools no team may inspect; the teams the cross rule rules out (a member from the
    county or, under the city rule, from its city) and the (team, school) pairs a declared conflict does."""
    reasons = []
    by_county: dict[int, list[SchoolIn]] = defaultdict(list)
    for cls in empty:
        by_county[cls.county_id].extend(cls.schools)
    for county_id, schools in sorted(by_county.items()):
        city_id = schools[0].city_id if cross_city else None
        local = tuple(t.id for t in teams
                      if ((cross_county or cross_city) and county_id in t.home_counties)
                      or (city_id is not None and city_id in t.home_cities))
        conflicts = tuple(
            (team.id, school.id)
            for school in schools
            for team in teams
            if team.id not in local and school.id in team.conflicts
        )
        reasons.append(NoEligibleTeam(county_id, tuple(s.id for s in schools), local, conflicts, city_id))
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
