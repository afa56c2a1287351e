"""Drawing a telephone sample: strata, proportional allocation with a minimum, and a seeded draw.

Pure Python on plain data (no database), so that the same frame and the same seed give the same
sample anywhere.

**Strata.** A stratum is one school × one 学段 × recipients or non-recipients: the design notes
(checklist-student-aid.md §5) ask for a sample stratified by school and 学段 that holds both
recipients (for 精准 and 满意) and non-recipients (for 知晓 and 漏助), so the two groups are strata
of their own rather than left to chance within a school's 学段.

**Allocation.** ``size`` people are shared proportionally to the strata's populations, with a floor:
stratum *h* of *N_h* people gets *n_h* = clamp(*x*·*N_h*, *m_h*, *N_h*), where *m_h* = min(minimum,
*N_h*) and the one factor *x* is chosen so that the *n_h* add up to ``size`` (water-filling: strata
whose share falls under their floor are held at it and the factor is found again for the rest, in
exact fractions). The shares are then made whole by the largest remainder, ties broken by the
strata's order. Two edge cases: a ``size`` at least the whole frame takes everyone (a census), and
floors that add up to more than ``size`` are kept — every stratum gets its floor and the sample is
larger than asked, because a stratum with nobody drawn could not be reported on at all.

**Draw.** The people are put in a stable order — strata by (school id, 学段, recipients first), people
by their key (ID number, else student number, else name) — and ``random.Random(seed)`` samples each
stratum in that order. The frame's order in the file plays no part, so the same roster and the same
seed give the same people.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Key = tuple[int, str, bool]  # (school id, 学段, recipient)


@dataclass(frozen=True)
class Person:
    school_id: int
    level: str
    recipient: bool
    key: str
    name: str = ""
    id_number: str = ""
    grade: str = ""
    phone: str = ""

    @property
    def stratum(self) -> Key:
        return (self.school_id, self.level, self.recipient)


def order(key: Key) -> tuple[int, str, bool]:
    """Strata by school, 学段, recipients before non-recipients."""
    return (key[0], key[1], not key[2])


def strata(people: Iterable[Person]) -> dict[Key, list[Person]]:
    """The people by stratum, both in the stable order (see the module's docstring)."""
    groups: dict[Key, list[Person]] = {}
    for person in people:
        groups.setdefault(person.stratum, []).append(person)
    return {key: sorted(groups[key], key=lambda p: p.key) for key in sorted(groups, key=order)}


def allocate(sizes: dict[Key, int], size: int, minimum: int) -> dict[Key, int]:
    """How many to draw from each stratum of ``sizes`` (its population): see the module's docstring."""
    keys = sorted((k for k, n in sizes.items() if n > 0), key=order)
    population = sum(sizes[k] for k in keys)
    if size >= population:
        return {k: sizes[k] for k in keys}
    floors = {k: min(minimum, sizes[k]) for k in keys}
    if sum(floors.values()) >= size:
        return floors
    held: set[Key] = set()
    while True:
        free = [k for k in keys if k not in held]
        factor = Fraction(size - sum(floors[k] for k in held), sum(sizes[k] for k in free))
        short = [k for k in free if factor * sizes[k] < floors[k]]
        if not short:
            break
        held.update(short)
    shares = {k: Fraction(floors[k]) if k in held else factor * sizes[k] for k in keys}
    whole = {k: int(shares[k]) for k in keys}
    left = size - sum(whole.values())
    by_remainder = sorted(keys, key=lambda k: (-(shares[k] - whole[k]), order(k)))
    for k in by_remainder[:left]:
        whole[k] += 1
    return whole


def draw(people: Sequence[Person], *, size: int, minimum: int, seed: int) -> tuple[list[Person], dict[Key, int]]:
    """The sample (stratum by stratum, in the draw's order) and each stratum's population."""
    groups = strata(people)
    sizes = {k: len(v) for k, v in groups.items()}
    counts = allocate(sizes, size, minimum)
    rng = random.Random(seed)
    sample: list[Person] = []
    for key, members in groups.items():
        sample.extend(rng.sample(members, counts.get(key, 0)))
    return sample, sizes
