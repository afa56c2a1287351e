"""The overview's 两率一度 panel: 政策知晓率 and 群众满意度 from a campaign's survey round, 资助精准率 from the
roster checks of its term, by county.

The survey figures come from ``surveys.figures`` (the follow-up floor, below the dashboard); the roster
checks stand beside the dashboard and answer :data:`~inspect_app.core.signals.aid_precision`. A fixed number
of queries, whatever the data.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field

from ..campaigns.models import Campaign
from ..core import signals
from ..surveys import figures as survey_figures
from ..surveys.models import SurveyRound
from ..surveys.rates import Rate

if t.TYPE_CHECKING:
    from ..auth.models import User


@dataclass
class Precision:
    """资助精准率 of an area: paid people checked, those found correct, the rate (percent); 漏助率 beside it."""

    paid: int
    precise: int
    rate: float | None
    missed_rate: float | None
    below_target: bool


@dataclass
class RatesRow:
    county_id: int | None
    name: str
    awareness: Rate | None = None
    satisfaction: Rate | None = None
    precision: Precision | None = None

    @property
    def small_sample(self) -> bool:
        return self.awareness is not None and self.awareness.small_sample

    @property
    def below_target(self) -> bool:
        return any(r is not None and r.below_target for r in (self.awareness, self.satisfaction, self.precision))


@dataclass
class RatesPanel:
    campaign: Campaign | None
    survey: SurveyRound | None
    semester: str | None
    precision_url: str | None
    target: float
    rows: list[RatesRow] = field(default_factory=list)
    total: RatesRow | None = None


def _precision(counts: dict[str, t.Any] | None, target: float) -> Precision | None:
    if counts is None:
        return None
    rate = counts["precision_rate"]
    return Precision(paid=counts["paid"], precise=counts["precise"], rate=rate, missed_rate=counts["missed_rate"],
                     below_target=rate is not None and rate < 100 * target)


def rates_panel(viewer: User, campaigns: t.Sequence[Campaign], campaign_id: int | None) -> RatesPanel:
    """The panel for the chosen campaign, or else the newest with a survey round, among ``campaigns``.

    Without a campaign and a round, the precision of the newest semester checked is shown alone.
    """
    counties = viewer.scope_county_ids
    target = survey_figures.rates_target()
    by_id = {c.id: c for c in campaigns}
    survey: SurveyRound | None
    if campaign_id is not None and campaign_id in by_id:
        campaign: Campaign | None = by_id[campaign_id]
        survey = survey_figures.latest_round([campaign_id])
    else:
        survey = survey_figures.latest_round(list(by_id))
        campaign = survey.campaign if survey is not None else None
    answers = signals.values_from(signals.aid_precision.send(
        "dashboard.index", term=campaign.term if campaign is not None else None, counties=counties))
    precision = answers[0] if answers else None
    panel = RatesPanel(campaign, survey, precision["semester"] if precision else None,
                       precision["url"] if precision else None, target)
    rows: dict[int | None, RatesRow] = {}
    if survey is not None:
        by_county, total = survey_figures.county_rates(survey, counties=counties)
        for c in by_county:
            rows[c.county_id] = RatesRow(c.county_id, c.county, c.rates.awareness, c.rates.satisfaction)
        if total is not None:
            panel.total = RatesRow(None, "", total.awareness, total.satisfaction)
    if precision is not None:
        for area in precision["counties"]:
            row = rows.setdefault(area["county_id"], RatesRow(area["county_id"], area["name"]))
            row.precision = _precision(area["counts"], target)
        if viewer.county_id is None:
            panel.total = panel.total or RatesRow(None, "")
            panel.total.precision = _precision(precision["total"], target)
    panel.rows = list(rows.values())
    if len(panel.rows) < 2:
        panel.total = None
    return panel
