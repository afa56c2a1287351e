from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ..audit import services as audit
from ..campaigns.models import Campaign
from ..campaigns.permissions import campaign_filter
from ..checklists.models import Severity
from ..core.forms import checked
from ..core.forms import text
from ..core.inputs import query_id
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..core.roles import Role
from ..extensions import db
from ..media.models import Attachment
from ..schools.regions import visible_cities
from ..schools.services import counties
from ..visits.answer_sheet import answer_history
from ..visits.permissions import can_review_visit
from . import comments as finding_comments
from . import services
from .forms import CommentForm
from .forms import ConfirmForm
from .forms import DismissForm
from .forms import EditForm
from .models import Finding
from .models import FindingStatus
from .permissions import can_comment_on_finding
from .permissions import can_view_finding

bp = Blueprint("findings", __name__, url_prefix="/findings", template_folder="templates")


def _finding(finding_id: int) -> Finding:
    finding = db.get_or_404(Finding, finding_id)
    ensure(can_view_finding(current_user, finding))
    return finding


def _reviewable(finding_id: int) -> Finding:
    finding = _finding(finding_id)
    ensure(can_review_visit(current_user, finding.visit))
    return finding


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    campaign_id = request.args.get("campaign", type=query_id)
    county_id = request.args.get("county", type=query_id)
    city_id = request.args.get("city", type=query_id)
    status_arg = request.args.get("status")
    status = FindingStatus(status_arg) if status_arg in {s.value for s in FindingStatus} else None
    stmt = services.finding_query(current_user, campaign_id=campaign_id, county_id=county_id, status=status,
                                   city_id=city_id)
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    campaigns = db.session.scalars(sa.select(Campaign).where(campaign_filter(current_user))
                                   .order_by(Campaign.id.desc())).all()
    return render_template("findings/index.html", page=page, campaigns=campaigns, counties=counties(current_user),
                           statuses=list(FindingStatus), campaign_id=campaign_id, county_id=county_id,
                           status=status, cities=visible_cities(current_user), city_id=city_id)


@bp.route("/<int:finding_id>")
@login_required
def show(finding_id: int) -> t.Any:
    finding = _finding(finding_id)
    photos = services.finding_photos(finding)
    files = services.finding_files(finding)
    entries: list[t.Any] = audit.history("findings", [finding.id])
    if finding.rectification:
        rect_id = finding.rectification.id
        evidence = db.session.scalars(sa.select(Attachment.id).where(Attachment.rectification_id == rect_id))
        entries = entries + audit.history_with_files("rectifications", [rect_id], evidence)
    if finding.item is not None and current_user.role != Role.SCHOOL:
        # How the answer the problem was raised from came to be, on the page or in a tablet's batch
        # (the school is not shown the history).
        entries = entries + answer_history(finding.visit, finding.item, finding.instance)
    entries.sort(key=lambda e: (e.entry.created_at, e.entry.id) if isinstance(e, audit.AnswerChange)
                 else (e.created_at, e.id))
    return render_template("findings/show.html", finding=finding, photos=photos, files=files, history=entries,
                           comments=finding_comments.comments([finding.id])[finding.id],
                           can_comment=can_comment_on_finding(current_user, finding),
                           can_review=can_review_visit(current_user, finding.visit)
                           and current_user.role in MANAGERS, severities=list(Severity))


@bp.post("/<int:finding_id>/confirm")
@roles_required(*MANAGERS)
def confirm(finding_id: int) -> t.Any:
    finding = _reviewable(finding_id)
    form = checked(ConfirmForm())
    services.confirm_finding(finding, due_on=form.due_on.data, description=form.description.data,
                             severity=form.chosen_severity(), actor=current_user)
    db.session.commit()
    flash(_("Problem %(ref)s confirmed; the school can now see it.", ref=finding.reference), "success")
    return redirect(url_for("visits.show", visit_id=finding.visit_id) + "#findings")


@bp.post("/<int:finding_id>/dismiss")
@roles_required(*MANAGERS)
def dismiss(finding_id: int) -> t.Any:
    finding = _reviewable(finding_id)
    form = checked(DismissForm())
    services.dismiss_finding(finding, reason=text(form.reason), actor=current_user)
    db.session.commit()
    flash(_("Problem %(ref)s dismissed.", ref=finding.reference), "success")
    return redirect(url_for("visits.show", visit_id=finding.visit_id) + "#findings")


@bp.post("/<int:finding_id>/edit")
@roles_required(*MANAGERS)
def edit(finding_id: int) -> t.Any:
    finding = _reviewable(finding_id)
    form = checked(EditForm())
    services.edit_finding(finding, description=text(form.description),
                          severity=form.chosen_severity() or finding.severity, actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("findings.show", finding_id=finding.id))


@bp.post("/<int:finding_id>/comments")
@roles_required(*MANAGERS, Role.SCHOOL)
def comment(finding_id: int) -> t.Any:
    finding = _finding(finding_id)
    ensure(can_comment_on_finding(current_user, finding))
    form = checked(CommentForm())
    finding_comments.add_comment(finding, text(form.body), actor=current_user)
    db.session.commit()
    flash(_("Comment posted; the other side has been told."), "success")
    if form.back.data == "rectification" and finding.rectification:
        return redirect(url_for("rectification.show", rect_id=finding.rectification.id) + "#comments")
    return redirect(url_for("findings.show", finding_id=finding.id) + "#comments")
