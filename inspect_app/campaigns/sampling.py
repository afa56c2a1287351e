"""Stratified random samples of schools, by county and level, reproducible from a seed.

Allocation. Each stratum h (a county and a level) holds N_h schools and must receive at least
``lo_h = max(min(m, N_h), forced_h)`` of them: the minimum per stratum ``m`` (or the whole
stratum when it is smaller) and at least the schools that must always be included. Above those
floors the sample is proportional: with a common sampling fraction λ, a stratum gets
``max(lo_h, λ·N_h)``, and λ is the one value for which the sizes add up to the sample size n.
The sum is continuous and increasing in λ, so λ is found exactly (in fractions) by fixing the
strata whose floor lies above their proportional share and sharing the rest out again; λ only
falls as strata are fixed, so a fixed stratum never has to be released. The fractional shares
of the free strata are rounded by largest remainder (Hamilton's method), which keeps every free
stratum within one school of its exact share: for any two strata h and k, with h above its
floor and k below its size, ``(n_h − 1)/N_h < λ < (n_k + 1)/N_k``, so moving a school from h to
k never brings the sampling fractions closer together.

Selection. Every school gets a permanent random number: the first 64 bits of
SHA-256(seed:school code), read as a fraction in [0, 1). A stratum's sample is its forced schools
plus the schools with the smallest numbers (order sampling with permanent random numbers, as
statistics offices coordinate business surveys). Independent uniform keys make each stratum a
simple random sample without replacement; the draw depends only on the seed and the codes, not
on the order rows come from the database nor on the Python version, and adding a school to one
stratum leaves every other stratum's sample as it was.
"""

from __future__ import annotations

import hashlib
import typing as t
from collections import defaultdict
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from fractions import Fraction

K = t.TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Unit:
    """A school in the population: its id, stratum and code (the key of its random number)."""

    id: int
    stratum: tuple[t.Any, ...]
    code: str


class SampleTooLarge(ValueError):
    """More schools were asked for than the population holds."""

    def __init__(self, size: int, population: int) -> None:
        super().__init__(f"a sample of {size} from a population of {population}")
        self.size = size
        self.population = population


class FloorsTooHigh(ValueError):
    """The minimums per stratum and the forced schools alone exceed the sample size."""

    def __init__(self, size: int, floors: int, strata: int) -> None:
        super().__init__(f"{strata} strata need at least {floors} schools; the sample has {size}")
        self.size = size
        self.floors = floors
        self.strata = strata


@dataclass
class Allocation(t.Generic[K]):
    """Sample sizes per stratum and the common sampling fraction above the floors."""

    sizes: dict[K, int]
    floors: dict[K, int]
    fraction: Fraction


def allocate(
    populations: Mapping[K, int], size: int, *, minimum: int = 1, forced: Mapping[K, int] | None = None
) -> Allocation[K]:
    """Share ``size`` out over strata: at least the floor each, proportional to N_h above it."""
    forced = forced or {}
    strata = [k for k, n in populations.items() if n > 0]
    total = sum(populations[k] for k in strata)
    if size > total:
        raise SampleTooLarge(size, total)
    floors = {k: max(min(minimum, populations[k]), forced.get(k, 0)) for k in strata}
    if sum(floors.values()) > size:
        raise FloorsTooHigh(size, sum(floors.values()), len(strata))
    if size == total:
        return Allocation({k: populations[k] for k in strata}, floors, Fraction(1))

    fixed: set[K] = set()
    while True:
        free = [k for k in strata if k not in fixed]
        rest = size - sum(floors[k] for k in fixed)
        weight = sum(populations[k] for k in free)
        fraction = Fraction(rest, weight) if weight else Fraction(0)
        below = [k for k in free if fraction * populations[k] < floors[k]]
        if not below:
            break
        fixed.update(below)

    sizes = {k: floors[k] for k in fixed}
    shares = {k: fraction * populations[k] for k in strata if k not in fixed}
    for k, share in shares.items():
        sizes[k] = share.numerator // share.denominator
    left = size - sum(sizes.values())
    # Largest remainder first; ties go to the larger stratum, then to the stratum that sorts first.
    order = sorted(shares, key=lambda k: (-(shares[k] - sizes[k]), -populations[k], _sort_key(k)))
    for k in order[:left]:
        sizes[k] += 1
    return Allocation(sizes, floors, fraction)


def _sort_key(key: t.Any) -> tuple[str, ...]:
    return tuple(str(part) for part in key) if isinstance(key, tuple) else (str(key),)


def random_number(seed: int, code: str) -> int:
    """The school's permanent random number for ``seed``: 64 bits of SHA-256, as an integer."""
    digest = hashlib.sha256(f"{seed}:{code}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass
class Sample:
    """The schools drawn, with the allocation that decided how many per stratum."""

    ids: list[int]
    allocation: Allocation[tuple[t.Any, ...]]
    populations: dict[tuple[t.Any, ...], int] = field(default_factory=dict)


def draw(
    units: Iterable[Unit], size: int | None, *, seed: int, minimum: int = 1, forced: Iterable[int] = ()
) -> Sample:
    """Draw a stratified sample of ``size`` units (all of them when ``size`` is None)."""
    by_stratum: dict[tuple[t.Any, ...], list[Unit]] = defaultdict(list)
    for unit in units:
        by_stratum[unit.stratum].append(unit)
    must = set(forced)
    populations = {k: len(v) for k, v in by_stratum.items()}
    forced_per = {k: sum(1 for u in v if u.id in must) for k, v in by_stratum.items()}
    total = sum(populations.values())
    allocation = allocate(populations, total if size is None else size, minimum=minimum, forced=forced_per)
    chosen: list[int] = []
    for key in sorted(by_stratum, key=_sort_key):
        members = by_stratum[key]
        n = allocation.sizes.get(key, 0)
        first = [u for u in members if u.id in must]
        others = sorted((u for u in members if u.id not in must), key=lambda u: (random_number(seed, u.code), u.code))
        chosen.extend(u.id for u in first + others[: n - len(first)])
    return Sample(chosen, allocation, populations)
