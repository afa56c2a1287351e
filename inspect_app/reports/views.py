from __future__ import annotations

import io
import typing as t

from flask import Blueprint
from flask import abort
from flask import send_file
from flask_login import current_user

from ..campaigns.models import Campaign
from ..core.permissions import STAFF
from ..core.permissions import can_report_on_campaign
from ..core.permissions import can_view_campaign
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..extensions import db
from . import services

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/campaigns/<int:campaign_id>/investigation.docx")
@roles_required(*STAFF)
def investigation(campaign_id: int) -> t.Any:
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure(can_view_campaign(current_user, campaign))
    if not can_report_on_campaign(current_user, campaign):
        # A county sees its own schools of a wider campaign, but the report would show every county's.
        abort(403)
    report = services.build("investigation", campaign)
    return send_file(io.BytesIO(report.data), mimetype=report.mimetype, as_attachment=True,
                     download_name=report.filename)
