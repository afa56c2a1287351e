"""Choose a campaign's schools by a stratified random sample; :mod:`.sampling` holds the draw itself."""

from __future__ import annotations

import secrets
import typing as t
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import User
from ..core import signals
from ..db import utcnow as db_utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import County
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..schools.regions import region_county_ids
from . import sampling
from .lifecycle import add_schools
from .lifecycle import remove_visit
from .models import Campaign
from .models import CampaignStatus
from .models import Visit

LEVEL_ORDER = {level: i for i, level in enumerate(SchoolLevel)}


# ---------------------------------------------------------------------------------------------------------
# Sampling (抽样)


@dataclass
class SampleRequest:
    """What the user asked for: a sample size (None for every school matching the filters) and its rules."""

    seed: int
    size: int | None = None
    minimum: int = 1
    county_ids: list[int] = field(default_factory=list)
    city_ids: list[int] = field(default_factory=list)
    levels: list[SchoolLevel] = field(default_factory=list)
    include: list[str] = field(default_factory=list)      # school codes always in the sample
    exclude: list[str] = field(default_factory=list)      # school codes never in it
    include_open_problems: bool = False

    def as_json(self) -> dict[str, t.Any]:
        return {"seed": self.seed, "size": self.size, "minimum": self.minimum, "county_ids": self.county_ids,
                **({"city_ids": self.city_ids} if self.city_ids else {}),
                "levels": [lvl.value for lvl in self.levels], "include": self.include, "exclude": self.exclude,
                "include_open_problems": self.include_open_problems}


@dataclass
class StratumRow:
    region: str          # the stratum's county, or its city in a province campaign
    level: SchoolLevel
    population: int
    floor: int
    size: int
    forced: int


@dataclass
class SampleResult:
    request: SampleRequest
    schools: list[School]
    strata: list[StratumRow]
    population: int
    fraction: str
    open_problem_schools: int = 0


def new_seed() -> int:
    """A fresh seed, six digits, to show the user and keep with the campaign."""
    return 100000 + secrets.randbelow(900000)


def open_problem_school_ids(campaign: Campaign) -> set[int]:
    """Schools with a confirmed problem from another campaign that has not been closed (销号) yet.

    Problems and their rectification live on the floors above: they answer :data:`signals.open_problem_schools`.
    """
    answers = signals.open_problem_schools.send(campaign)
    return set().union(*(ids for _receiver, ids in answers))


def _codes(codes: t.Iterable[str], what: str, campaign: Campaign) -> dict[str, School]:
    wanted = [c.strip() for c in codes if c.strip()]
    if not wanted:
        return {}
    found = {s.code: s for s in db.session.scalars(sa.select(School).where(School.code.in_(wanted)))}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ValidationFailed(_("Unknown school code(s) in the %(list)s list: %(codes)s", list=what,
                                 codes="、".join(unknown)))
    region = region_county_ids(campaign.city_id, campaign.county_id)
    outside = [s.name for s in found.values() if region is not None and s.county_id not in region]
    if outside:
        raise ValidationFailed(_("These schools lie outside the campaign's region: %(names)s",
                                 names="、".join(outside)))
    return found


def _stratum(campaign: Campaign, school: School, counties: t.Mapping[int, County]) -> tuple[int, int, int]:
    """The school's stratum: (city or county position, its id, level) — a province campaign's strata are
    cities × levels, a city's or a county's counties × levels."""
    county = counties[school.county_id]
    if campaign.level == "province":
        return (county.city.position, county.city_id, LEVEL_ORDER[school.level])
    return (county.position, county.id, LEVEL_ORDER[school.level])


def draw_sample(campaign: Campaign, request: SampleRequest) -> SampleResult:
    """Draw the schools for ``campaign`` as ``request`` says; nothing is written (see :func:`apply_sample`).

    The population is every active school in the campaign's region (a county's campaign: that county;
    a city's: its counties; a province's: every city's) matching the city, county and level filters,
    plus the schools always included, minus the schools excluded. The strata are counties × levels, or
    cities × levels in a province campaign. See :mod:`inspect_app.campaigns.sampling` for the
    allocation and the draw.
    """
    if request.size is not None and request.size < 1:
        raise ValidationFailed(_("A sample has at least one school."))
    if request.minimum < 0:
        raise ValidationFailed(_("The minimum per stratum cannot be negative."))
    include = _codes(request.include, _("always include"), campaign)
    exclude = _codes(request.exclude, _("exclude"), campaign)
    both = sorted(set(include) & set(exclude))
    if both:
        raise ValidationFailed(_("These schools are both included and excluded: %(codes)s", codes="、".join(both)))
    forced_ids = {s.id for s in include.values()}
    open_ids: set[int] = set()
    if request.include_open_problems:
        open_ids = open_problem_school_ids(campaign) - {s.id for s in exclude.values()}
        forced_ids |= open_ids
    stmt = sa.select(School).where(School.active.is_(True))
    region = region_county_ids(campaign.city_id, campaign.county_id)
    if region is not None:
        stmt = stmt.where(School.county_id.in_(sorted(region)))
    if request.city_ids:
        stmt = stmt.where(School.county_id.in_(sa.select(County.id).where(County.city_id.in_(request.city_ids))))
    if request.county_ids:
        stmt = stmt.where(School.county_id.in_(request.county_ids))
    if request.levels:
        stmt = stmt.where(School.level.in_(request.levels))
    population = {s.id: s for s in db.session.scalars(stmt)}
    for school in list(include.values()) + list(db.session.scalars(
            sa.select(School).where(School.id.in_(open_ids)))):
        population[school.id] = school
    for school in exclude.values():
        population.pop(school.id, None)
    counties = {c.id: c for c in db.session.scalars(sa.select(County).options(orm.joinedload(County.city)))}
    units = [sampling.Unit(s.id, _stratum(campaign, s, counties), s.code) for s in population.values()]
    try:
        sample = sampling.draw(units, request.size, seed=request.seed, minimum=request.minimum, forced=forced_ids)
    except sampling.SampleTooLarge as err:
        raise ValidationFailed(_("A sample of %(n)d schools is more than the %(total)d schools that match.",
                                 n=err.size, total=err.population)) from err
    except sampling.FloorsTooHigh as err:
        raise ValidationFailed(_("A sample of %(n)d schools is too small: the %(strata)d strata need at least "
                                 "%(floors)d (the minimum per stratum and the schools always included).",
                                 n=err.size, strata=err.strata, floors=err.floors)) from err
    levels = {order: level for level, order in LEVEL_ORDER.items()}
    names = ({c.city_id: c.city.name for c in counties.values()} if campaign.level == "province"
             else {c.id: c.name for c in counties.values()})
    strata = []
    for key in sorted(sample.populations):
        _position, region_id, level_order = key
        strata.append(StratumRow(
            names[region_id], levels[level_order], sample.populations[key],
            sample.allocation.floors.get(key, 0), sample.allocation.sizes.get(key, 0),
            sum(1 for s in population.values()
                if s.id in forced_ids and _stratum(campaign, s, counties) == key),
        ))
    chosen = sorted((population[i] for i in sample.ids), key=lambda s: (counties[s.county_id].position, s.code))
    fraction = sample.allocation.fraction
    return SampleResult(request, chosen, strata, len(population), f"{float(fraction):.1%}",
                        open_problem_schools=len(open_ids))


def apply_sample(campaign: Campaign, result: SampleResult, *, actor: User | None) -> tuple[int, int]:
    """Make the sample the campaign's schools: add the new ones, drop the others; return (added, removed).

    Only while planning, so that no visit has started; the parameters are kept with the campaign.
    """
    if campaign.status != CampaignStatus.PLANNING:
        raise InvalidTransition(_("Schools are sampled only while the campaign is being planned."))
    wanted = {s.id for s in result.schools}
    removed = 0
    for visit in list(db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id))):
        if visit.school_id not in wanted:
            remove_visit(visit, actor=actor)
            removed += 1
    added = add_schools(campaign, result.schools, actor=actor)
    before = campaign.sample
    campaign.sample = {
        **result.request.as_json(),
        "population": result.population,
        "drawn": len(result.schools),
        "fraction": result.fraction,
        # A province campaign's strata are cities (key "city"), the others' counties (key "county").
        "strata": [{"city" if campaign.level == "province" else "county": r.region, "level": r.level.value,
                    "population": r.population, "size": r.size}
                   for r in result.strata],
        "drawn_at": db_utcnow().isoformat(timespec="seconds"),
        "drawn_by": actor.username if actor is not None else "system",
    }
    audit.record(actor, "campaign.sample", campaign, campaign_id=campaign.id, before=before,
                 after={**result.request.as_json(), "drawn": len(result.schools), "added": len(added),
                        "removed": removed})
    return len(added), removed
