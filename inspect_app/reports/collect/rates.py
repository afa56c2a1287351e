"""两率一度 of a campaign for the reports: 政策知晓率 and 群众满意度 from its survey rounds, 资助精准率 and
漏助率 from the roster checks of its term.

The roster checks stand beside the reports, so their figures are asked for by signal
(:data:`~inspect_app.core.signals.aid_precision`); nothing is estimated when nothing was measured.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

from ...campaigns.models import Campaign
from ...core import signals
from ...schools import regions
from ...surveys import figures as survey_figures
from ...surveys.rates import TARGET
from ...surveys.rates import Rate


@dataclass(frozen=True)
class SurveyFigures:
    """One survey round's rates over all its schools."""

    title: str
    respondents: int
    awareness: Rate
    satisfaction: Rate
    min_size: int  # the round's minimum sample, summed over its schools


@dataclass(frozen=True)
class PrecisionFigures:
    semester: str
    paid: int
    precise: int
    rate: float | None  # percent, one decimal
    entitled: int | None
    uncovered: int | None
    missed_rate: float | None


@dataclass
class RatesData:
    term: str = ""
    surveys: list[SurveyFigures] = field(default_factory=list)
    precision: PrecisionFigures | None = None
    target: float = TARGET


def collect_rates(campaign: Campaign, *, sender: str) -> RatesData:
    """The campaign's 两率一度: every survey round of it, and the latest roster checks of its term and scope."""
    surveys = []
    for survey in survey_figures.rounds_of([campaign.id]):
        _counties, total = survey_figures.county_rates(survey)
        assert total is not None
        surveys.append(SurveyFigures(survey.title, total.respondents, total.awareness, total.satisfaction,
                                     total.awareness.min_size))
    counties = regions.region_county_ids(campaign.city_id, campaign.county_id)
    answers = signals.values_from(signals.aid_precision.send(sender, term=campaign.term, counties=counties))
    counts: dict[str, t.Any] | None = answers[0]["total"] if answers else None
    precision = None
    if counts is not None:
        precision = PrecisionFigures(answers[0]["semester"], counts["paid"], counts["precise"],
                                     counts["precision_rate"], counts["entitled"], counts["uncovered"],
                                     counts["missed_rate"])
    return RatesData(campaign.term, surveys, precision, survey_figures.rates_target())
