"""Inspectors dealt into teams so that a team's members come from different cities (or counties).

The cross rule keeps a team out of its members' home cities (a province campaign) or counties (a
city's), so a team drawn from one city cannot inspect that city at all, and a mixed team is also the
point of a cross-inspection: people of one place see how another works. With N inspectors in teams
of about ``size`` there are ``c = max(1, N // size)`` teams. The inspectors are laid out in one row,
grouped by home (city, or county), the smaller groups first and the largest last, each group ordered
by its sub-home (county) and name; the person at position i joins team ``i mod c``, so team sizes
differ by at most one.

Why this mixes as much as it can. Let L be the largest group and M = N − L the others. A team with
no one outside L is all from L, so at least ``c − M`` teams are all from one place whatever we do.
Dealing reaches that bound: team j holds positions j, j + c, j + 2c, …, its last position is at
least N − c. When L ≥ c that last position lies in the largest group (the last L positions), so
team j is mixed exactly when its first position j falls before M — for every j < M. When L < c, no
group holds two positions c apart, so every team of two or more is mixed. Within a group the row is
ordered by county, so a city's people spread over its counties too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """An inspector: id, home (city or county: what teams should mix), sub-home and a key for stable order."""

    id: int
    home: Hashable
    sub_home: int | None = None
    order: str = ""


def deal(people: Sequence[Person], size: int) -> list[list[int]]:
    """The people in teams of about ``size``, mixing homes; each team's ids, the first to lead."""
    if not people:
        return []
    count = max(1, len(people) // max(1, size))
    groups: dict[Hashable, list[Person]] = defaultdict(list)
    for person in people:
        groups[person.home].append(person)
    ordered = sorted(groups.values(), key=lambda g: (len(g), str(g[0].home)))
    row = [p for g in ordered for p in sorted(g, key=lambda p: (p.sub_home or 0, p.order, p.id))]
    teams: list[list[int]] = [[] for _ in range(count)]
    for i, person in enumerate(row):
        teams[i % count].append(person.id)
    return teams
