"""Stratified samples on random populations: reproducible, floors kept, proportional above them."""

from __future__ import annotations

import random
import typing as t
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from inspect_app.campaigns import sampling
from inspect_app.campaigns.sampling import Unit


class Population(t.NamedTuple):
    units: list[Unit]
    size: int
    minimum: int
    forced: set[int]


@st.composite
def populations(draw: st.DrawFn) -> Population:
    strata = draw(st.lists(st.integers(1, 40), min_size=1, max_size=12))
    units = []
    for h, n in enumerate(strata):
        county, level = divmod(h, 3)
        for _ in range(n):
            uid = len(units) + 1
            units.append(Unit(uid, (county, level), f"61{uid:08d}"))
    forced = draw(st.sets(st.sampled_from([u.id for u in units]), max_size=5))
    minimum = draw(st.integers(0, 4))
    floors = sum(max(min(minimum, n), sum(1 for u in units if u.stratum == (divmod(h, 3)) and u.id in forced))
                 for h, n in enumerate(strata))
    size = draw(st.integers(max(1, floors), len(units)))
    return Population(units, size, minimum, forced)


def sizes_of(sample: sampling.Sample, units: list[Unit]) -> Counter[tuple[t.Any, ...]]:
    stratum = {u.id: u.stratum for u in units}
    return Counter(stratum[i] for i in sample.ids)


@settings(max_examples=300, deadline=None)
@given(populations(), st.integers(1, 999999))
def test_the_same_seed_draws_the_same_schools_whatever_the_order(pop: Population, seed: int) -> None:
    first = sampling.draw(pop.units, pop.size, seed=seed, minimum=pop.minimum, forced=pop.forced)
    shuffled = list(pop.units)
    random.Random(seed).shuffle(shuffled)
    again = sampling.draw(shuffled, pop.size, seed=seed, minimum=pop.minimum, forced=pop.forced)
    assert sorted(first.ids) == sorted(again.ids)
    assert len(set(first.ids)) == len(first.ids) == pop.size


@settings(max_examples=400, deadline=None)
@given(populations(), st.integers(1, 999999))
def test_floors_are_kept_and_the_rest_is_proportional(pop: Population, seed: int) -> None:
    sample = sampling.draw(pop.units, pop.size, seed=seed, minimum=pop.minimum, forced=pop.forced)
    got = sizes_of(sample, pop.units)
    population = Counter(u.stratum for u in pop.units)
    forced = Counter(u.stratum for u in pop.units if u.id in pop.forced)
    assert pop.forced <= set(sample.ids)
    floor = {h: max(min(pop.minimum, n), forced[h]) for h, n in population.items()}
    for h, n in population.items():
        assert floor[h] <= got[h] <= n
    # Proportional above the floors: taking a school from a stratum above its floor and giving it to
    # another stratum with room never brings their sampling fractions closer together.
    for h in population:
        for k in population:
            if h != k and got[h] > floor[h] and got[k] < population[k]:
                assert Fraction(got[h] - 1, population[h]) < Fraction(got[k] + 1, population[k]), (h, k)


@settings(max_examples=200, deadline=None)
@given(populations(), st.integers(1, 999999))
def test_adding_a_school_to_one_stratum_leaves_the_others_alone(pop: Population, seed: int) -> None:
    """Permanent random numbers: a stratum whose size is unchanged keeps exactly the same schools."""
    before = sampling.draw(pop.units, pop.size, seed=seed, minimum=pop.minimum, forced=pop.forced)
    largest, count = Counter(u.stratum for u in pop.units).most_common(1)[0]
    if count < pop.minimum:
        return  # the newcomer would raise its stratum's floor, and so the other strata's shares
    newcomer = Unit(10_000, largest, "6199999999")
    after = sampling.draw([*pop.units, newcomer], pop.size, seed=seed, minimum=pop.minimum, forced=pop.forced)
    stratum = {u.id: u.stratum for u in [*pop.units, newcomer]}
    for h in {u.stratum for u in pop.units}:
        mine_before = {i for i in before.ids if stratum[i] == h}
        mine_after = {i for i in after.ids if stratum[i] == h}
        if h != newcomer.stratum and len(mine_before) == len(mine_after):
            assert mine_before == mine_after


def test_a_proportional_allocation_with_a_floor() -> None:
    # 100, 50 and 2 schools; 30 to draw, at least 3 a stratum: the small stratum is taken whole,
    # the other two share 28 in proportion 2:1.
    allocation = sampling.allocate({"a": 100, "b": 50, "c": 2}, 30, minimum=3)
    assert allocation.sizes == {"a": 19, "b": 9, "c": 2}
    assert sum(allocation.sizes.values()) == 30


def test_every_school_when_no_size_is_given() -> None:
    units = [Unit(i, (i % 3, 0), f"{i:010d}") for i in range(1, 11)]
    assert sorted(sampling.draw(units, None, seed=1).ids) == list(range(1, 11))


def test_impossible_requests_say_what_is_wrong() -> None:
    units = [Unit(i, (i % 4, 0), f"{i:010d}") for i in range(1, 13)]
    with pytest.raises(sampling.SampleTooLarge) as large:
        sampling.draw(units, 13, seed=1)
    assert (large.value.size, large.value.population) == (13, 12)
    with pytest.raises(sampling.FloorsTooHigh) as small:
        sampling.draw(units, 7, seed=1, minimum=2)
    assert (small.value.size, small.value.floors, small.value.strata) == (7, 8, 4)


def test_different_seeds_draw_different_samples() -> None:
    units = [Unit(i, (0, 0), f"{i:010d}") for i in range(1, 201)]
    draws = {tuple(sorted(sampling.draw(units, 20, seed=seed).ids)) for seed in range(1, 11)}
    assert len(draws) == 10
