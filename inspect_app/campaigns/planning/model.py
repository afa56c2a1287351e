"""The planner's plain data: schools and teams in, assignments and reasons out; the eligibility rule;
distances; and the classes of interchangeable schools the flows work on."""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class SchoolIn:
    """A school to assign: its county (and city), coordinates where known, and code (for stable order)."""

    id: int
    county_id: int
    code: str
    lat: float | None = None
    lon: float | None = None
    city_id: int | None = None


@dataclass(frozen=True)
class TeamIn:
    """A team: its members' home counties (and cities), the schools they declared conflicts with, its load so far."""

    id: int
    home_counties: frozenset[int]
    conflicts: frozenset[int] = frozenset()
    base_load: int = 0
    # How many more visits the team can make (free days × per day); None when there is no limit.
    capacity: int | None = None
    home_cities: frozenset[int] = frozenset()


@dataclass(frozen=True)
class NoEligibleTeam:
    """Schools of one county that no team may inspect, and what rules each team out."""

    county_id: int
    school_ids: tuple[int, ...]
    by_county: tuple[int, ...]                    # teams with a member from the county (or, city rule, its city)
    by_conflict: tuple[tuple[int, int], ...]      # (team, school) pairs ruled out by a declared conflict
    city_id: int | None = None                    # the county's city, when the city rule ruled the teams out


@dataclass(frozen=True)
class ShortOfCapacity:
    """Hall's condition fails: these schools can only go to these teams, which lack the room."""

    county_ids: tuple[int, ...]
    schools: int
    team_ids: tuple[int, ...]
    capacity: int


Reason = NoEligibleTeam | ShortOfCapacity


class Infeasible(Exception):
    """No assignment keeps the rules; ``reasons`` say why."""

    def __init__(self, reasons: Sequence[Reason]) -> None:
        super().__init__(f"{len(reasons)} reason(s)")
        self.reasons = list(reasons)


@dataclass
class Assignment:
    """The team of every school, and every team's total load (its earlier visits included)."""

    team_of: dict[int, int]
    loads: dict[int, int]
    pairs: int = 0  # class–team pairs carrying schools after the forest step


def eligible(school: SchoolIn, team: TeamIn, *, cross_county: bool, cross_city: bool = False) -> bool:
    """Whether ``team`` may inspect ``school`` under the cross rule and declared conflicts.

    The cross rule is the county's (nobody inspects a school of their home county) or, in a province's
    campaign, one level up (``cross_city``: nobody inspects a school of their home city, nor of their county).
    """
    if (cross_county or cross_city) and school.county_id in team.home_counties:
        return False
    if cross_city and school.city_id is not None and school.city_id in team.home_cities:
        return False
    return school.id not in team.conflicts


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def centre_of(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """The mean of the (lat, lon) points; None for none."""
    pts = list(points)
    if not pts:
        return None
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


def location(school: SchoolIn) -> tuple[float, float] | None:
    """The school's (lat, lon), when both are known."""
    return (school.lat, school.lon) if school.lat is not None and school.lon is not None else None


@dataclass
class SchoolClass:
    """Schools of one county that the same teams may inspect: interchangeable for the flows."""

    county_id: int
    teams: tuple[int, ...]          # eligible teams, in input order
    schools: list[SchoolIn] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.schools)


def classes_of(schools: Sequence[SchoolIn], teams: Sequence[TeamIn], cross_county: bool,
               cross_city: bool = False) -> list[SchoolClass]:
    """The schools merged into classes by county and eligible teams (split further only by conflicts)."""
    by_key: dict[tuple[int, tuple[int, ...]], SchoolClass] = {}
    for school in sorted(schools, key=lambda s: (s.county_id, s.code)):
        ok = tuple(team.id for team in teams
                   if eligible(school, team, cross_county=cross_county, cross_city=cross_city))
        key = (school.county_id, ok)
        if key not in by_key:
            by_key[key] = SchoolClass(school.county_id, ok)
        by_key[key].schools.append(school)
    return list(by_key.values())

