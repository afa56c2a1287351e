"""Assign a campaign's schools to inspection teams and schedule each team's days.

The rules. A team may inspect a school unless, in a cross-inspection, one of its members has the
school's county as home county (in a province's campaign, the rule one level up: the school's city as
home city), or one of its members has declared a conflict with the school.
With dates, a team makes at most ``per_day`` visits a day on the campaign's working days, so its
capacity is ``per_day`` × its free working days.

The goals, in order: (1) every school gets a team that may inspect it; (2) the numbers of visits
per team are as even as the rules allow; (3) teams travel little: a team's schools lie in as few
counties as possible, near its members' home counties; (4) a team's day holds schools of one
county only, visited in a short round.

Why flows. Schools that the same teams may inspect are interchangeable for (1)–(3), so they are
merged into classes: a county's schools form one class, split further only by declared
conflicts. Classes and teams form a small bipartite network (a city's dozen counties against a
hundred teams, whatever the number of schools), and each goal is a classical network problem on
it, solved exactly rather than by a greedy guess that may paint itself into a corner:

1. *Feasibility* is a maximum flow from the classes (supply: their schools) to the teams
   (capacity: their free days × per day), by augmenting paths after a least-loaded greedy start.
   When the flow falls short, the classes still reachable from an unserved class in the residual
   network form a set S whose eligible teams N(S) are all full: by Hall's theorem this is the
   reason, reported as "these counties have n schools, only these teams may inspect them, and
   they can make at most c visits". A class with no eligible team at all is reported first, with
   what disqualifies each team (a member's home county, a declared conflict).
2. *Balance* follows Harvey, Ladner, Lovász and Tamir (Semi-matchings for bipartite graphs and
   load balancing, 2003): while a unit of work can travel along an alternating path from a team
   with load ℓ to a team with load at most ℓ − 2 and spare capacity, move it. When no such path
   is left, the load vector is the lexicographically smallest feasible one (the feasible load
   vectors are the bases of a polymatroid), so it minimises the largest load, then the next, and
   every convex measure of imbalance at once. Moves carry as many units as the path allows.
3. *Travel* is a minimum-cost flow with those loads fixed: a class–team arc costs the distance
   from the team's home (the centre of its members' counties) to the class's county, from school
   coordinates where known and zero otherwise. A primal–dual method solves it (Dijkstra on reduced
   costs, then a blocking flow on the arcs of zero reduced cost); then every cycle left in the
   support of the flow, necessarily of zero cost at an optimum, is cancelled. The support becomes
   a forest, so at most (classes + teams − 1) class–team pairs carry schools: with a hundred teams
   and eleven counties (and no conflicts) at most ten teams get a second county, and the rest
   keep to one.
4. *Days.* Within a class shared by several teams, schools are cut into angular sectors around
   the county's centre, one contiguous sector per team. A team's schools are grouped by county,
   ordered by a nearest-neighbour round (schools without coordinates last, by code) and cut into
   days of ``per_day`` schools on its free working days; a day never mixes counties.

Everything here is pure Python on plain data; :mod:`inspect_app.campaigns.services` loads the
campaign, calls :func:`assign` and :func:`schedule`, checks the result against the rules once more
and writes it. The steps live in :mod:`inspect_app.campaigns.planning`: the data and rules
(``model``), feasibility and balance (``flow``), the reasons when there is no assignment
(``reasons``), travel (``travel``) and days (``days``); this module puts them together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .planning.days import Overflow
from .planning.days import day_groups
from .planning.days import schedule
from .planning.days import working_days
from .planning.flow import Flow
from .planning.model import Assignment
from .planning.model import Infeasible
from .planning.model import NoEligibleTeam
from .planning.model import Reason
from .planning.model import SchoolClass
from .planning.model import SchoolIn
from .planning.model import ShortOfCapacity
from .planning.model import TeamIn
from .planning.model import centre_of
from .planning.model import classes_of
from .planning.model import distance_km
from .planning.model import eligible
from .planning.model import location
from .planning.reasons import no_team_reasons
from .planning.travel import find_cycle
from .planning.travel import forest
from .planning.travel import min_cost

__all__ = [
    "Assignment", "Infeasible", "NoEligibleTeam", "Overflow", "Reason", "SchoolIn", "ShortOfCapacity", "TeamIn",
    "assign", "day_groups", "distance_km", "eligible", "schedule", "working_days",
]

# The steps under their former names, which the planner's property tests call one by one.
_Class = SchoolClass
_min_cost = min_cost
_forest = forest
_find_cycle = find_cycle


def _angle_order(schools: Sequence[SchoolIn]) -> list[SchoolIn]:
    """Schools by angle around their centre (a sweep), those without coordinates last by code."""
    located = [s for s in schools if location(s)]
    centre = centre_of(p for s in located if (p := location(s)))
    rest = sorted((s for s in schools if not location(s)), key=lambda s: s.code)
    if centre is None:
        return rest
    swept = sorted(located, key=lambda s: (math.atan2((s.lat or 0) - centre[0], (s.lon or 0) - centre[1]), s.code))
    return swept + rest


def assign(schools: Sequence[SchoolIn], teams: Sequence[TeamIn], *, cross_county: bool = True,
           homes: dict[int, tuple[float, float]] | None = None, cross_city: bool = False) -> Assignment:
    """Give every school a team that may inspect it, balanced, compact and near home; or say why not.

    ``homes`` maps a county id to its centre (for travel costs); counties without one cost nothing.
    ``cross_city`` is a province campaign's rule: no team inspects a school of a member's home city.
    """
    if not schools:
        return Assignment({}, {team.id: team.base_load for team in teams})
    classes = classes_of(schools, teams, cross_county, cross_city)
    empty = [cls for cls in classes if not cls.teams]
    if empty:
        raise Infeasible(no_team_reasons(empty, teams, cross_county, cross_city))

    flow = Flow(classes, teams)
    flow.greedy()
    short = flow.augment()
    if short:
        raise Infeasible(short)
    flow.balance()

    cost = _travel_costs(classes, teams, homes or {})
    x = min_cost(classes, teams, flow.new, cost)
    forest(x, cost)

    team_of = _schools_to_teams(classes, teams, x)
    loads = {team.id: team.base_load for team in teams}
    for tid in team_of.values():
        loads[tid] += 1
    return Assignment(team_of, loads, sum(len(row) for row in x))


def _travel_costs(classes: list[SchoolClass], teams: Sequence[TeamIn],
                  homes: dict[int, tuple[float, float]]) -> dict[tuple[int, int], int]:
    """The cost of each class–team arc: from the centre of the team's home counties to the class's county."""
    team_home = {team.id: centre_of(homes[c] for c in team.home_counties if c in homes) for team in teams}
    cost: dict[tuple[int, int], int] = {}
    for c, cls in enumerate(classes):
        where = homes.get(cls.county_id)
        for tid in cls.teams:
            home = team_home[tid]
            # Whole kilometres: finer differences between county centres mean nothing on the road.
            cost[(c, tid)] = round(distance_km(home, where)) if home and where else 0
    return cost


def _schools_to_teams(classes: list[SchoolClass], teams: Sequence[TeamIn], x: list[dict[int, int]]) -> dict[int, int]:
    """Concrete schools for the units of each class: one contiguous angular sector per team, in team order."""
    team_of: dict[int, int] = {}
    order = {team.id: i for i, team in enumerate(teams)}
    for c, cls in enumerate(classes):
        swept = _angle_order(cls.schools)
        start = 0
        for tid in sorted(x[c], key=lambda t: order[t]):
            for school in swept[start:start + x[c][tid]]:
                team_of[school.id] = tid
            start += x[c][tid]
    return team_of
