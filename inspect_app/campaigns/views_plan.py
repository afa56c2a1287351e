"""The campaign's plan: the schedule by team, the progress board and the plan as .xlsx and .docx."""

from __future__ import annotations

import io
import typing as t

from flask import abort
from flask import render_template
from flask import send_file
from flask_login import current_user

from ..core.permissions import STAFF
from ..core.permissions import roles_required
from ..db import local_today
from ..extensions import db
from . import exports
from . import progress
from .blueprint import bp
from .blueprint import load_campaign
from .blueprint import send_xlsx
from .models import Visit
from .permissions import can_manage_campaign
from .permissions import can_report_on_campaign

TEAMS_PER_PAGE = 10


@bp.route("/<int:campaign_id>/schedule")
@roles_required(*STAFF)
def schedule(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id)
    page = db.paginate(progress.schedule_teams(campaign, current_user), per_page=TEAMS_PER_PAGE, error_out=False)
    visits = progress.plan_visits(campaign, current_user, team_ids=[team.id for team in page.items])
    by_team: dict[int, list[Visit]] = {team.id: [] for team in page.items}
    for visit in visits:
        if visit.team_id is not None:
            by_team[visit.team_id].append(visit)
    return render_template("campaigns/schedule.html", campaign=campaign, page=page, by_team=by_team,
                           manage=can_manage_campaign(current_user, campaign),
                           can_report=can_report_on_campaign(current_user, campaign), tab="schedule",
                           today=local_today())


@bp.route("/<int:campaign_id>/board")
@roles_required(*STAFF)
def board(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id)
    return render_template("campaigns/board.html", campaign=campaign,
                           board=progress.progress_board(campaign, current_user), states=progress.BOARD_STATES,
                           manage=can_manage_campaign(current_user, campaign), tab="board")


@bp.route("/<int:campaign_id>/plan.xlsx")
@roles_required(*STAFF)
def plan_xlsx(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id)
    data, _rows = exports.plan_workbook(campaign, current_user)
    return send_xlsx(data, f"{campaign.code}-检查安排.xlsx")


@bp.route("/<int:campaign_id>/plan.docx")
@roles_required(*STAFF)
def plan_notice(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id)
    if not can_report_on_campaign(current_user, campaign):
        # The notice lists every county's schools and teams; a county sees only its own share.
        abort(403)
    return send_file(io.BytesIO(exports.plan_notice(campaign)), mimetype=exports.DOCX_MIME, as_attachment=True,
                     download_name=f"{campaign.code}-检查工作安排通知.docx")
