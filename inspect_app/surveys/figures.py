"""A round's rates per school, per county and for the round, read from its stored answers.

``min_size`` of a round is per school (the sample is drawn school by school); a county's minimum is
that times its schools in the round, the round's that times all its schools.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import current_app

from ..checklists.models import ChecklistVersion
from ..core.permissions import Viewer
from ..core.permissions import county_ok
from ..extensions import db
from ..schools.models import County
from ..schools.models import School
from . import rates as maths
from .interviews import CallCounts
from .interviews import call_counts
from .models import SurveyLink
from .models import SurveyResponse
from .models import SurveyRound
from .models import SurveyWay
from .services import questionnaire


@dataclass(frozen=True)
class Row:
    """The rates of one school or county, or of the round (``school`` and ``county`` None)."""

    county: County | None
    school: School | None
    link: SurveyLink | None
    rates: maths.Rates
    # The telephone interviews by outcome (their completed answers are in ``rates``).
    calls: CallCounts = field(default_factory=CallCounts)
    # The respondents by collection way (self, face, phone), every way named.
    ways: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, t.Any]:
        data: dict[str, t.Any] = {}
        if self.county is not None:
            data["county"] = self.county.name
        if self.school is not None:
            data["school"] = self.school.name
            data["school_code"] = self.school.code
        return {**data, **self.rates.as_dict(), "interviews": self.calls.as_dict(), "ways": self.ways}


@dataclass(frozen=True)
class RoundFigures:
    survey: SurveyRound
    schools: list[Row]
    counties: list[Row]
    # None when the viewer sees only part of the round (a county's staff).
    total: Row | None
    # The respondents of the schools shown, by collection way.
    ways: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, t.Any]:
        s = self.survey
        return {
            "round": s.id, "title": s.title, "campaign": s.campaign.code,
            "opens_on": s.opens_on.isoformat(), "closes_on": s.closes_on.isoformat(),
            "versions": {a.value: _version(s.version_for(a)) for a in s.audiences},
            "sampling_frame": s.sampling_frame, "target_size": s.target_size, "min_size": s.min_size,
            "collector": s.collector, "knowledge_threshold": s.knowledge_threshold,
            "total": self.total.rates.as_dict() if self.total else None,
            "interviews": {"seed": s.interview_seed, "frame": s.interview_frame,
                           "total": self.total.calls.as_dict() if self.total else None},
            "ways": self.ways,
            "counties": [row.as_dict() for row in self.counties],
            "schools": [row.as_dict() for row in self.schools],
        }


def _version(version: ChecklistVersion | None) -> dict[str, t.Any] | None:
    if version is None:
        return None
    return {"id": version.id, "form_id": version.checklist.form_id, "version": version.version}


def scored_responses(survey: SurveyRound, school_ids: t.Collection[int] | None = None
                     ) -> list[tuple[SurveyResponse, maths.Scored]]:
    stmt = sa.select(SurveyResponse).where(SurveyResponse.round_id == survey.id).order_by(SurveyResponse.id)
    if school_ids is not None:
        stmt = stmt.where(SurveyResponse.school_id.in_(school_ids))
    forms: dict[int, maths.Questionnaire] = {}
    result = []
    for response in db.session.scalars(stmt):
        if response.version_id not in forms:
            forms[response.version_id] = questionnaire(response.version)
        result.append((response, maths.score(response.answers, forms[response.version_id])))
    return result


def round_figures(survey: SurveyRound, viewer: Viewer | None = None) -> RoundFigures:
    """The rates of ``survey``, limited to the schools ``viewer`` may see (all without a viewer)."""
    links = [link for link in survey.links if viewer is None or county_ok(viewer, link.school.county_id)]
    links.sort(key=lambda link: (link.school.county.position, link.school.county.name, link.school.code))
    whole = len(links) == len(survey.links)
    scored = scored_responses(survey, None if whole else [link.school_id for link in links])
    by_school: dict[int, list[maths.Scored]] = {}
    ways: dict[int, list[SurveyWay]] = {}
    for response, result in scored:
        by_school.setdefault(response.school_id, []).append(result)
        ways.setdefault(response.school_id, []).append(response.way)
    threshold = survey.knowledge_threshold

    def rates_of(results: list[maths.Scored], schools: int) -> maths.Rates:
        return maths.rates(results, threshold=threshold, min_size=survey.min_size * schools, target=rates_target())

    calls = call_counts(survey, None if whole else [link.school_id for link in links])

    def calls_of(school_ids: t.Iterable[int]) -> CallCounts:
        counts = CallCounts()
        for school_id in school_ids:
            if school_id in calls:
                counts.merge(calls[school_id])
        return counts

    schools = [Row(link.school.county, link.school, link, rates_of(by_school.get(link.school_id, []), 1),
                   calls_of([link.school_id]), way_counts(ways.get(link.school_id, []))) for link in links]
    counties = []
    for county in dict.fromkeys(link.school.county for link in links):
        members = [link.school_id for link in links if link.school.county_id == county.id]
        results = [r for school_id in members for r in by_school.get(school_id, [])]
        counties.append(Row(county, None, None, rates_of(results, len(members)), calls_of(members),
                            way_counts([w for school_id in members for w in ways.get(school_id, [])])))
    shown = way_counts([response.way for response, _r in scored])
    total = Row(None, None, None, rates_of([r for _resp, r in scored], len(links)),
                calls_of(link.school_id for link in links), shown) if whole else None
    return RoundFigures(survey, schools, counties, total, shown)


def way_counts(ways: t.Iterable[SurveyWay]) -> dict[str, int]:
    """How many answers came each way (``self``, ``face``, ``phone``), every way named."""
    counts = dict.fromkeys((w.value for w in SurveyWay), 0)
    for way in ways:
        counts[SurveyWay(way).value] += 1
    return counts


def rates_target() -> float:
    """The share below which a rate is flagged (``RATES_TARGET``, 0.9: the 认可度 veto line of §5)."""
    return float(current_app.config["RATES_TARGET"])


def latest_round(campaign_ids: t.Collection[int]) -> SurveyRound | None:
    """The newest survey round (latest closing date, then id) of any of ``campaign_ids``."""
    if not campaign_ids:
        return None
    return db.session.scalars(sa.select(SurveyRound).where(SurveyRound.campaign_id.in_(campaign_ids))
                              .order_by(SurveyRound.closes_on.desc(), SurveyRound.id.desc()).limit(1)).first()


def rounds_of(campaign_ids: t.Collection[int]) -> list[SurveyRound]:
    """The survey rounds of ``campaign_ids``, oldest first."""
    if not campaign_ids:
        return []
    return list(db.session.scalars(sa.select(SurveyRound).where(SurveyRound.campaign_id.in_(campaign_ids))
                                   .order_by(SurveyRound.opens_on, SurveyRound.id)))


@dataclass(frozen=True)
class CountyRates:
    county_id: int
    county: str
    rates: maths.Rates


def county_rates(survey: SurveyRound, county_id: int | None = None, *, counties: frozenset[int] | None = None
                 ) -> tuple[list[CountyRates], maths.Rates | None]:
    """``survey``'s rates per county (of ``county_id`` or ``counties`` only, when given) and in total.

    A fixed number of queries whatever the number of schools and answers (the overview counts them):
    the links counted by county, the answers with their school's county, and each questionnaire version once.
    """
    links = db.session.execute(
        sa.select(County.id, County.name, sa.func.count(SurveyLink.id))
        .join(School, School.id == SurveyLink.school_id).join(County, County.id == School.county_id)
        .where(SurveyLink.round_id == survey.id)
        .group_by(County.id, County.name, County.position).order_by(County.position, County.name)
    ).all()
    stmt = (sa.select(School.county_id, SurveyResponse.version_id, SurveyResponse.answers)
            .join(School, School.id == SurveyResponse.school_id).where(SurveyResponse.round_id == survey.id))
    if county_id is not None:
        stmt = stmt.where(School.county_id == county_id)
    if counties is not None:
        stmt = stmt.where(School.county_id.in_(sorted(counties)))
    forms: dict[int, maths.Questionnaire] = {}
    by_county: dict[int, list[maths.Scored]] = {}
    for cid, version_id, answers in db.session.execute(stmt):
        if version_id not in forms:
            forms[version_id] = questionnaire(db.session.get_one(ChecklistVersion, version_id))
        by_county.setdefault(cid, []).append(maths.score(answers, forms[version_id]))
    threshold, target = survey.knowledge_threshold, rates_target()
    rows = [CountyRates(cid, name, maths.rates(by_county.get(cid, []), threshold=threshold,
                                               min_size=survey.min_size * schools, target=target))
            for cid, name, schools in links if county_id is None or cid == county_id]
    total = None
    if county_id is None:
        total = maths.rates([s for items in by_county.values() for s in items], threshold=threshold,
                            min_size=survey.min_size * sum(n for _c, _n, n in links), target=target)
    return rows, total
