"""Visit figures that the campaign pages show without importing visits: they ask by signal (core.signals)."""

from __future__ import annotations

import typing as t

from ..campaigns.models import Campaign
from ..campaigns.models import Visit
from ..core import signals
from .scoring import VisitScore
from .services import visit_scores


def _visit_figures(_campaign: Campaign, *, visits: t.Sequence[Visit]) -> tuple[str, dict[int, VisitScore]]:
    return "scores", visit_scores(visits)


def connect_signals() -> None:
    """Give the campaign's visit list each visit's score."""
    signals.visit_figures.connect(_visit_figures)
