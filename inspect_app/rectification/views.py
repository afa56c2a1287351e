from __future__ import annotations

import typing as t
from datetime import date
from datetime import timedelta

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
from ..auth.models import Role
from ..campaigns.models import Campaign
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import campaign_filter
from ..core.permissions import can_verify_rectification
from ..core.permissions import can_view_finding
from ..core.permissions import can_work_on_rectification
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..db import local_today
from ..errors import ValidationFailed
from ..extensions import db
from ..media import services as media
from ..schools.services import counties
from . import services
from .models import Rectification
from .models import RectificationStatus

bp = Blueprint("rectification", __name__, url_prefix="/rectification", template_folder="templates")


def _rect(rect_id: int) -> Rectification:
    rect = db.get_or_404(Rectification, rect_id)
    ensure(can_view_finding(current_user, rect.finding))
    return rect


def _status_arg() -> RectificationStatus | None:
    value = request.args.get("status")
    return RectificationStatus(value) if value in {s.value for s in RectificationStatus} else None


def _filtered(stmt: sa.Select[t.Any]) -> sa.Select[t.Any]:
    due = request.args.get("due", type=int)
    if due:
        today = local_today()
        stmt = stmt.where(Rectification.status != RectificationStatus.CLOSED,
                          Rectification.due_on >= today, Rectification.due_on <= today + timedelta(days=due))
    return stmt


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    campaign_id = request.args.get("campaign", type=int)
    county_id = request.args.get("county", type=int)
    overdue = bool(request.args.get("overdue"))
    stmt = _filtered(services.rectification_query(
        current_user, campaign_id=campaign_id, county_id=county_id, status=_status_arg(), overdue=overdue,
    ))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    campaigns = db.session.scalars(sa.select(Campaign).where(campaign_filter(current_user))
                                   .order_by(Campaign.id.desc())).all()
    return render_template("rectification/index.html", page=page, campaigns=campaigns, counties=counties(),
                           statuses=list(RectificationStatus), campaign_id=campaign_id, county_id=county_id,
                           status=_status_arg(), overdue=overdue)


@bp.route("/mine")
@roles_required(Role.SCHOOL)
def mine() -> t.Any:
    rects = db.session.scalars(services.rectification_query(current_user)).unique().all()
    return render_template("rectification/mine.html", rects=rects)


@bp.route("/<int:rect_id>")
@login_required
def show(rect_id: int) -> t.Any:
    rect = _rect(rect_id)
    finding = rect.finding
    inspection_photos = media.finding_photos(finding)
    return render_template(
        "rectification/show.html", rect=rect, finding=finding, inspection_photos=inspection_photos,
        evidence=media.evidence([rect.id])[rect.id],
        history=audit.history("rectifications", [rect.id]),
        can_work=can_work_on_rectification(current_user, rect),
        can_verify=can_verify_rectification(current_user, rect),
    )


def _workable(rect_id: int) -> Rectification:
    rect = _rect(rect_id)
    ensure(can_work_on_rectification(current_user, rect))
    return rect


def _verifiable(rect_id: int) -> Rectification:
    rect = _rect(rect_id)
    ensure(can_verify_rectification(current_user, rect))
    return rect


@bp.post("/<int:rect_id>/measures")
@roles_required(Role.SCHOOL)
def save_measures(rect_id: int) -> t.Any:
    rect = _workable(rect_id)
    services.save_measures(rect, measures=request.form.get("measures", ""), actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("rectification.show", rect_id=rect.id))


@bp.post("/<int:rect_id>/evidence")
@roles_required(Role.SCHOOL)
def add_evidence(rect_id: int) -> t.Any:
    rect = _workable(rect_id)
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    if not uploads:
        raise ValidationFailed(_("Choose a photo or PDF to upload."))
    for upload in uploads:
        media.add_evidence(rect, upload.read(), filename=upload.filename or "upload", actor=current_user)
    db.session.commit()
    flash(_("%(n)d file(s) uploaded.", n=len(uploads)), "success")
    return redirect(url_for("rectification.show", rect_id=rect.id) + "#evidence")


@bp.post("/<int:rect_id>/submit")
@roles_required(Role.SCHOOL)
def submit(rect_id: int) -> t.Any:
    rect = _workable(rect_id)
    services.submit(rect, actor=current_user)
    db.session.commit()
    flash(_("Submitted for verification."), "success")
    return redirect(url_for("rectification.mine"))


@bp.post("/<int:rect_id>/verify")
@roles_required(*MANAGERS)
def verify(rect_id: int) -> t.Any:
    rect = _verifiable(rect_id)
    decision = request.form.get("decision")
    note = request.form.get("note", "")
    if decision == "close":
        services.close(rect, note=note, actor=current_user)
        message = _("Verified and closed.")
    elif decision == "return":
        services.return_to_school(rect, reason=note, actor=current_user)
        message = _("Returned to the school.")
    elif decision == "partial":
        services.mark_partial(rect, note=note, actor=current_user)
        message = _("Recorded as partly rectified.")
    else:
        raise ValidationFailed(_("Choose close, return or partly rectified."))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("rectification.show", rect_id=rect.id))


@bp.post("/<int:rect_id>/deadline")
@roles_required(*MANAGERS)
def deadline(rect_id: int) -> t.Any:
    rect = _verifiable(rect_id)
    raw = request.form.get("due_on", "")
    try:
        due_on = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(_("“%(v)s” is not a date.", v=raw)) from exc
    services.set_due_on(rect, due_on, actor=current_user)
    db.session.commit()
    flash(_("Deadline changed."), "success")
    return redirect(url_for("rectification.show", rect_id=rect.id))
