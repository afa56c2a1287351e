"""The surveys blueprint and what its views share; the views live in views.py and views_*.py."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ..core.permissions import ensure
from ..extensions import db
from .models import SurveyRound
from .permissions import can_manage_round
from .permissions import can_view_round

bp = Blueprint("surveys", __name__, url_prefix="/surveys", template_folder="templates")


def load_round(round_id: int, *, manage: bool = False) -> SurveyRound:
    """The round the current user may see (and, with ``manage``, manage), else 404."""
    survey = db.get_or_404(SurveyRound, round_id)
    ensure(can_view_round(current_user, survey) and (not manage or can_manage_round(current_user, survey)))
    return survey
