"""The planner on random cities, teams and conflicts: it never breaks a rule, and when it refuses it can prove why.

These tests drive :mod:`inspect_app.campaigns.planner` directly (no database), so hypothesis can
try hundreds of cities. Every check below is computed independently of the planner's own code.
"""

from __future__ import annotations

import itertools
import typing as t
from collections import Counter
from collections import defaultdict
from datetime import date

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from inspect_app.campaigns import planner
from inspect_app.campaigns.planner import Infeasible
from inspect_app.campaigns.planner import NoEligibleTeam
from inspect_app.campaigns.planner import SchoolIn
from inspect_app.campaigns.planner import ShortOfCapacity
from inspect_app.campaigns.planner import TeamIn


class City(t.NamedTuple):
    schools: list[SchoolIn]
    teams: list[TeamIn]
    cross_county: bool


@st.composite
def cities(draw: st.DrawFn, *, max_counties: int = 6, max_schools: int = 40, max_teams: int = 8,
           capacities: bool = True) -> City:
    """A random city: counties with schools (some located), teams with home counties, conflicts, capacities."""
    n_counties = draw(st.integers(1, max_counties))
    centres = {c: (34.0 + c * 0.3, 109.0 + (c % 3) * 0.4) for c in range(1, n_counties + 1)}
    schools = []
    for i in range(draw(st.integers(0, max_schools))):
        county = draw(st.integers(1, n_counties))
        located = draw(st.booleans())
        lat, lon = centres[county]
        dx, dy = draw(st.floats(-0.1, 0.1)), draw(st.floats(-0.1, 0.1))
        schools.append(SchoolIn(i + 1, county, f"{i + 1:010d}", lat + dx if located else None,
                                lon + dy if located else None))
    teams = []
    for j in range(draw(st.integers(1, max_teams))):
        homes = draw(st.frozensets(st.integers(1, n_counties), min_size=1, max_size=3))
        conflicts = draw(st.frozensets(st.sampled_from([s.id for s in schools]), max_size=4)) if schools \
            else frozenset()
        base = draw(st.integers(0, 3))
        cap = draw(st.one_of(st.none(), st.integers(0, 15))) if capacities else None
        teams.append(TeamIn(100 + j, homes, conflicts, base, cap))
    return City(schools, teams, draw(st.booleans()))


def allowed(city: City, school: SchoolIn) -> set[int]:
    """The teams that may inspect ``school``: written out from the rules, not taken from the planner."""
    ok = set()
    for team in city.teams:
        if city.cross_county and school.county_id in team.home_counties:
            continue
        if school.id in team.conflicts:
            continue
        ok.add(team.id)
    return ok


def min_max_load(city: City) -> int | None:
    """The smallest feasible largest load, by Hall's condition over every set of school classes (brute force)."""
    classes: dict[frozenset[int], int] = Counter(frozenset(allowed(city, s)) for s in city.schools)
    if any(not teams for teams in classes):
        return None
    keys = list(classes)
    teams = {team.id: team for team in city.teams}
    upper = max((team.base_load for team in city.teams), default=0) + len(city.schools)
    for limit in range(0, upper + 1):
        def room(tid: int, limit: int = limit) -> int:
            team = teams[tid]
            free = max(0, limit - team.base_load)
            return free if team.capacity is None else min(free, team.capacity)

        if all(sum(classes[k] for k in subset) <= sum(room(tid) for tid in frozenset().union(*subset))
               for r in range(1, len(keys) + 1) for subset in itertools.combinations(keys, r)):
            return max(limit, max((team.base_load for team in city.teams), default=0))
    return None


def attempt(city: City) -> planner.Assignment | Infeasible:
    """The planner's answer: an assignment, or the refusal it raised."""
    try:
        return planner.assign(city.schools, city.teams, cross_county=city.cross_county)
    except Infeasible as err:
        return err


def check_refusal(city: City, err: Infeasible) -> None:
    """Every reason given is a certificate of infeasibility."""
    assert err.reasons
    by_id = {s.id: s for s in city.schools}
    for reason in err.reasons:
        if isinstance(reason, NoEligibleTeam):
            assert reason.school_ids
            for school_id in reason.school_ids:
                assert by_id[school_id].county_id == reason.county_id
                assert not allowed(city, by_id[school_id])
        else:
            assert isinstance(reason, ShortOfCapacity)
            named = set(reason.team_ids)
            stuck = [s for s in city.schools
                     if s.county_id in reason.county_ids and allowed(city, s) and allowed(city, s) <= named]
            capacity = sum(team.capacity or 0 for team in city.teams if team.id in named)
            assert all(team.capacity is not None for team in city.teams if team.id in named)
            assert reason.capacity == capacity
            assert len(stuck) >= reason.schools > capacity


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cities())
def test_assignments_never_break_the_rules_and_refusals_are_proved(city: City) -> None:
    result = attempt(city)
    if isinstance(result, Infeasible):
        check_refusal(city, result)
        assert min_max_load(city) is None or any(isinstance(r, ShortOfCapacity) for r in result.reasons)
        return
    assert set(result.team_of) == {s.id for s in city.schools}
    for school in city.schools:
        assert result.team_of[school.id] in allowed(city, school), school
    new = Counter(result.team_of.values())
    for team in city.teams:
        assert result.loads[team.id] == team.base_load + new[team.id]
        if team.capacity is not None:
            assert new[team.id] <= team.capacity


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cities(max_counties=4, max_schools=30, max_teams=5))
def test_the_largest_load_is_as_small_as_the_rules_allow(city: City) -> None:
    best = min_max_load(city)
    result = attempt(city)
    if isinstance(result, Infeasible):
        assert best is None
        return
    assert best is not None
    assert max(result.loads.values()) == best


@settings(max_examples=200, deadline=None)
@given(cities(capacities=False))
def test_no_single_move_evens_the_loads_out(city: City) -> None:
    """No school could move to a team it may go to whose load is two or more below its own team's."""
    result = attempt(city)
    if isinstance(result, Infeasible):
        assert all(isinstance(r, NoEligibleTeam) for r in result.reasons)
        return
    for school in city.schools:
        mine = result.loads[result.team_of[school.id]]
        for other in allowed(city, school):
            assert result.loads[other] >= mine - 1


@settings(max_examples=200, deadline=None)
@given(cities(capacities=False))
def test_teams_keep_to_few_counties(city: City) -> None:
    """The class–team pairs carrying schools form a forest: at most classes + teams − 1 of them."""
    try:
        result = planner.assign(city.schools, city.teams, cross_county=city.cross_county)
    except Infeasible:
        return
    classes = {(s.county_id, frozenset(allowed(city, s))) for s in city.schools}
    pairs = {((s.county_id, frozenset(allowed(city, s))), result.team_of[s.id]) for s in city.schools}
    teams_used = set(result.team_of.values())
    if pairs:
        assert len(pairs) <= len(classes) + len(teams_used) - 1


def test_a_county_every_team_comes_from_is_named_and_so_is_a_conflict() -> None:
    schools = [SchoolIn(1, 1, "0000000001"), SchoolIn(2, 1, "0000000002"), SchoolIn(3, 2, "0000000003"),
               SchoolIn(4, 3, "0000000004"), SchoolIn(5, 3, "0000000005")]
    teams = [TeamIn(10, frozenset({1}), conflicts=frozenset({5})),
             TeamIn(11, frozenset({1, 2}), conflicts=frozenset({5}))]
    with pytest.raises(Infeasible) as refused:
        planner.assign(schools, teams)
    (first, second) = refused.value.reasons
    assert isinstance(first, NoEligibleTeam)
    assert (first.county_id, first.school_ids, first.by_county, first.by_conflict) == (1, (1, 2), (10, 11), ())
    # County 2 keeps team 10; school 5 in county 3 has declared conflicts with both teams.
    assert isinstance(second, NoEligibleTeam) and second.county_id == 3
    assert second.school_ids == (5,) and second.by_conflict == ((10, 5), (11, 5))


def test_too_few_days_for_a_county_names_the_teams_that_could_go() -> None:
    schools = [SchoolIn(i, 1, f"{i:010d}") for i in range(1, 8)] + [SchoolIn(20, 2, "0000000020")]
    teams = [TeamIn(10, frozenset({2}), capacity=3), TeamIn(11, frozenset({1}), capacity=9),
             TeamIn(12, frozenset({3}), capacity=2)]
    with pytest.raises(Infeasible) as refused:
        planner.assign(schools, teams)
    (reason,) = refused.value.reasons
    assert isinstance(reason, ShortOfCapacity)
    assert reason.county_ids == (1,) and set(reason.team_ids) == {10, 12}
    assert reason.schools == 7 and reason.capacity == 5


def test_a_county_split_between_teams_is_cut_into_compact_sectors() -> None:
    # Eight schools around a centre; two teams share them, each gets one contiguous half.
    points = [(1.0, 0.0), (0.7, 0.7), (0.0, 1.0), (-0.7, 0.7), (-1.0, 0.0), (-0.7, -0.7), (0.0, -1.0), (0.7, -0.7)]
    schools = [SchoolIn(i + 1, 1, f"{i + 1:010d}", 34 + y / 10, 109 + x / 10) for i, (x, y) in enumerate(points)]
    teams = [TeamIn(10, frozenset({2})), TeamIn(11, frozenset({3}))]
    result = planner.assign(schools, teams)
    assert Counter(result.team_of.values()) == {10: 4, 11: 4}
    angles = sorted(schools, key=lambda s: planner.math.atan2((s.lat or 0) - 34, (s.lon or 0) - 109))
    owners = [result.team_of[s.id] for s in angles]
    assert sum(1 for a, b in zip(owners, owners[1:], strict=False) if a != b) == 1


def test_teams_go_to_the_nearer_county_when_the_loads_allow() -> None:
    homes = {1: (34.5, 109.5), 2: (34.6, 109.6), 3: (35.5, 110.5), 4: (35.6, 110.6)}
    schools = [SchoolIn(i, 2, f"{i:010d}") for i in range(1, 5)] + [SchoolIn(i, 4, f"{i:010d}") for i in range(5, 9)]
    near_2 = TeamIn(10, frozenset({1}))   # from county 1, next to county 2
    near_4 = TeamIn(11, frozenset({3}))   # from county 3, next to county 4
    result = planner.assign(schools, [near_4, near_2], homes=homes)
    assert {result.team_of[i] for i in range(1, 5)} == {10}
    assert {result.team_of[i] for i in range(5, 9)} == {11}


@settings(max_examples=150, deadline=None)
@given(cities(capacities=False), st.integers(1, 4))
def test_a_teams_day_holds_one_county_and_at_most_per_day_schools(city: City, per_day: int) -> None:
    try:
        result = planner.assign(city.schools, city.teams, cross_county=city.cross_county)
    except Infeasible:
        return
    days = planner.working_days(date(2026, 3, 2), date(2026, 6, 30))
    for team in city.teams:
        mine = [s for s in city.schools if result.team_of[s.id] == team.id]
        placed = planner.schedule(planner.day_groups(mine, per_day), days, team_id=team.id)
        if isinstance(placed, planner.Overflow):
            assert placed.days_needed > len(days)
            continue
        assert set(placed) == {s.id for s in mine}
        by_day: dict[date, list[SchoolIn]] = defaultdict(list)
        for school in mine:
            by_day[placed[school.id]].append(school)
        for day, group in by_day.items():
            assert day.weekday() < 5 and day in days
            assert len(group) <= per_day
            assert len({s.county_id for s in group}) == 1


def test_working_days_skip_weekends() -> None:
    days = planner.working_days(date(2026, 3, 6), date(2026, 3, 10))
    assert days == [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)]
    assert len(planner.working_days(date(2026, 3, 6), None, count=4)) == 4


def test_schedule_says_when_the_days_run_out() -> None:
    schools = [SchoolIn(i, 1 + i % 3, f"{i:010d}") for i in range(6)]
    groups = planner.day_groups(schools, 1)
    assert len(groups) == 6
    overflow = planner.schedule(groups, planner.working_days(date(2026, 3, 2), date(2026, 3, 6)), team_id=7)
    assert overflow == planner.Overflow(7, 6, 5)


def test_the_round_visits_neighbours_in_turn() -> None:
    # West to east along a line, given out of order: the round follows the line.
    xs = [0.5, 0.1, 0.3, 0.2, 0.4]
    schools = [SchoolIn(i, 1, f"{i:010d}", 34.0, 109 + x) for i, x in enumerate(xs)]
    tour = planner.day_groups(schools, 5)[0]
    assert [s.lon for s in tour] == sorted(s.lon for s in schools)  # type: ignore[type-var]


def test_no_schools_no_work_and_no_teams_is_explained() -> None:
    assert planner.assign([], [TeamIn(1, frozenset({1}))]).team_of == {}
    with pytest.raises(Infeasible):
        planner.assign([SchoolIn(1, 1, "0000000001")], [])


@st.composite
def transport(draw: st.DrawFn) -> tuple[list[planner._Class], list[TeamIn], dict[int, int], dict[tuple[int, int], int]]:
    """Classes with eligible teams, loads that some assignment meets, and arc costs."""
    teams = [TeamIn(10 + j, frozenset()) for j in range(draw(st.integers(1, 6)))]
    classes, loads = [], dict.fromkeys((t.id for t in teams), 0)
    for c in range(draw(st.integers(1, 6))):
        eligible = draw(st.lists(st.sampled_from([t.id for t in teams]), min_size=1, unique=True))
        size = draw(st.integers(1, 6))
        cls = planner._Class(c, tuple(eligible), [SchoolIn(100 * c + k, c, f"{100 * c + k:010d}") for k in range(size)])
        classes.append(cls)
        for _ in range(size):
            loads[draw(st.sampled_from(eligible))] += 1
    cost = {(c, tid): draw(st.integers(0, 50)) for c, cls in enumerate(classes) for tid in cls.teams}
    return classes, teams, loads, cost


def no_negative_cycle(classes: list[planner._Class], x: list[dict[int, int]], cost: dict[tuple[int, int], int]) -> bool:
    """Bellman–Ford on the residual network: an optimal flow leaves no cycle of negative cost."""
    arcs = []
    for c, cls in enumerate(classes):
        for tid in cls.teams:
            arcs.append((("c", c), ("t", tid), cost[(c, tid)]))          # more of class c at tid
            if x[c].get(tid, 0) > 0:
                arcs.append((("t", tid), ("c", c), -cost[(c, tid)]))     # less of it
    nodes = {a for a, _b, _w in arcs} | {b for _a, b, _w in arcs}
    dist = dict.fromkeys(nodes, 0)
    for _ in range(len(nodes)):
        changed = False
        for a, b, w in arcs:
            if dist[a] + w < dist[b]:
                dist[b] = dist[a] + w
                changed = True
        if not changed:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(transport())
def test_travel_is_a_true_minimum_and_the_forest_step_keeps_it(case: t.Any) -> None:
    classes, teams, loads, cost = case
    x = planner._min_cost(classes, teams, loads, cost)
    for c, cls in enumerate(classes):
        assert sum(x[c].values()) == cls.size and set(x[c]) <= set(cls.teams)
    for team in teams:
        assert sum(row.get(team.id, 0) for row in x) == loads[team.id]
    assert no_negative_cycle(classes, x, cost)
    total = sum(cost[(c, tid)] * n for c, row in enumerate(x) for tid, n in row.items())
    planner._forest(x, cost)
    assert sum(cost[(c, tid)] * n for c, row in enumerate(x) for tid, n in row.items()) == total
    assert no_negative_cycle(classes, x, cost)
    pairs = [(c, tid) for c, row in enumerate(x) for tid in row]
    nodes = {("c", c) for c, _t in pairs} | {("t", tid) for _c, tid in pairs}
    # A forest: fewer pairs than nodes in every component, so fewer than nodes overall.
    assert not pairs or len(pairs) <= len(nodes) - 1
    assert planner._find_cycle(x) is None
