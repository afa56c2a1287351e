"""The campaigns blueprint and what its views share; the views live in views.py and views_*.py."""

from __future__ import annotations

import io
import typing as t

from flask import Blueprint
from flask import abort
from flask import send_file
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.models import User
from ..core.permissions import ensure
from ..extensions import db
from ..schools.permissions import can_manage_schools
from .models import Campaign
from .models import Team
from .permissions import can_manage_campaign
from .permissions import can_report_on_campaign
from .permissions import can_view_campaign

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns", template_folder="templates")
# The campaign head (campaigns/_head.html) offers the report links only to those who may report.
bp.add_app_template_global(can_report_on_campaign)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def load_campaign(campaign_id: int, *, manage: bool = False) -> Campaign:
    """The campaign the current user may see (and, with ``manage``, change), else 403/404."""
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure(can_view_campaign(current_user, campaign))
    if manage and not can_manage_campaign(current_user, campaign):
        abort(403)
    return campaign


def load_team(campaign: Campaign, team_id: int | None) -> Team:
    team = db.get_or_404(Team, team_id or 0)
    ensure(team.campaign_id == campaign.id)
    return team


def require_city_manager() -> None:
    """The inspector pool and declared conflicts are the city's to manage."""
    if not can_manage_schools(current_user):
        abort(403)


def inspector_label(user: User) -> str:
    return f"{user.display_name}（{user.county.name if user.county else _('city')}）"


def form_errors(form: t.Any) -> list[str]:
    return [f"{form[name].label.text}: {error}" for name, errors in form.errors.items() for error in errors]


def send_xlsx(data: bytes, name: str) -> t.Any:
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX_MIME)
