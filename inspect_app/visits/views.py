from __future__ import annotations

import typing as t
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..audit import services as audit
from ..auth.models import Role
from ..checklists.models import ChecklistItem
from ..checklists.models import Severity
from ..core.permissions import can_fill_visit
from ..core.permissions import can_review_visit
from ..core.permissions import can_view_visit
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..errors import ValidationFailed
from ..extensions import db
from ..findings.services import visit_findings
from ..media import services as media
from . import services
from .models import Answer
from .models import Visit
from .models import VisitStatus

bp = Blueprint("visits", __name__, url_prefix="/visits", template_folder="templates")


def _visit(visit_id: int) -> Visit:
    visit = db.get_or_404(Visit, visit_id)
    ensure(can_view_visit(current_user, visit))
    return visit


def _fillable(visit_id: int) -> Visit:
    visit = _visit(visit_id)
    if not can_fill_visit(current_user, visit):
        services.require_editable(visit)
        abort(403)
    return visit


def _item(visit: Visit, item_id: int) -> ChecklistItem:
    item = db.get_or_404(ChecklistItem, item_id)
    ensure(item.version_id == visit.checklist_version_id)
    return item


@bp.route("/")
@roles_required(Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)
def index() -> t.Any:
    status_arg = request.args.get("status")
    status = VisitStatus(status_arg) if status_arg in {s.value for s in VisitStatus} else None
    stmt = services.visit_list_query(current_user, status=status, campaign_id=request.args.get("campaign", type=int))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("visits/index.html", page=page, status=status, statuses=list(VisitStatus))


@bp.route("/mine")
@roles_required(Role.INSPECTOR)
def mine() -> t.Any:
    visits = services.inspector_visits(current_user)
    ids = [v.id for v in visits]
    answered = dict(db.session.execute(
        sa.select(Answer.visit_id, sa.func.count()).where(Answer.visit_id.in_(ids), Answer.value.is_not(None))
        .group_by(Answer.visit_id)
    ).all()) if ids else {}
    totals = dict(db.session.execute(
        sa.select(ChecklistItem.version_id, sa.func.count())
        .where(ChecklistItem.version_id.in_({v.checklist_version_id for v in visits}),
               ChecklistItem.type.not_in(["note", "image"]))
        .group_by(ChecklistItem.version_id)
    ).all()) if ids else {}
    return render_template("visits/mine.html", visits=visits, answered=answered, totals=totals,
                           is_due=services.is_due)


@bp.route("/<int:visit_id>")
@roles_required(Role.ADMIN, Role.SUPERVISOR, Role.VIEWER, Role.INSPECTOR)
def show(visit_id: int) -> t.Any:
    visit = _visit(visit_id)
    answers = services.visit_answers(visit)
    photos = media.visit_photos(visit)
    findings = visit_findings(visit.id)
    history = audit.history("visits", [visit.id])
    return render_template(
        "visits/show.html", visit=visit, sections=services.checklist_sections(visit), answers=answers,
        photos=photos, findings=findings, history=history,
        can_fill=can_fill_visit(current_user, visit), can_review=can_review_visit(current_user, visit),
        severities=list(Severity),
    )


@bp.post("/<int:visit_id>/answers/<int:item_id>")
@roles_required(Role.INSPECTOR)
def save_answer(visit_id: int, item_id: int) -> t.Any:
    """Autosave of one item, called by the page script; answers JSON."""
    visit = _fillable(visit_id)
    item = _item(visit, item_id)
    answer = services.save_answer(visit, item, value=request.form.get("value"), note=request.form.get("note"),
                                  actor=current_user)
    db.session.commit()
    return jsonify(item_id=item.id, value=answer.value, note=answer.note, rev=answer.rev,
                   fails=item.fails(answer.value), status=visit.status.value)


@bp.post("/<int:visit_id>/save")
@roles_required(Role.INSPECTOR)
def save_all(visit_id: int) -> t.Any:
    """Save the whole page at once (the form's own submit, for browsers without scripts)."""
    visit = _fillable(visit_id)
    for item in visit.checklist_version.items:
        if not item.type.takes_answer:
            continue
        value_key, note_key = f"value-{item.id}", f"note-{item.id}"
        if value_key in request.form or note_key in request.form:
            value = " ".join(request.form.getlist(value_key)) if item.type.value == "select_multiple" \
                else request.form.get(value_key)
            services.save_answer(visit, item, value=value, note=request.form.get(note_key), actor=current_user)
        for upload in request.files.getlist(f"photo-{item.id}"):
            if upload and upload.filename:
                media.add_visit_photo(visit, item, upload.read(), filename=upload.filename, actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id) + request.form.get("anchor", ""))


@bp.post("/<int:visit_id>/photos/<int:item_id>")
@roles_required(Role.INSPECTOR)
def add_photo(visit_id: int, item_id: int) -> t.Any:
    visit = _fillable(visit_id)
    item = _item(visit, item_id)
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        raise ValidationFailed(_("Choose a photo."))
    attachment = media.add_visit_photo(visit, item, upload.read(), filename=upload.filename, actor=current_user)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(id=attachment.id, url=url_for("media.file", attachment_id=attachment.id),
                       thumb=url_for("media.file", attachment_id=attachment.id, thumb=1),
                       delete=url_for("media.delete", attachment_id=attachment.id)), 201
    return redirect(url_for("visits.show", visit_id=visit.id) + f"#item-{item.id}")


@bp.post("/<int:visit_id>/checkin")
@roles_required(Role.INSPECTOR)
def check_in(visit_id: int) -> t.Any:
    visit = _fillable(visit_id)
    try:
        latitude = Decimal(request.form.get("latitude", ""))
        longitude = Decimal(request.form.get("longitude", ""))
        accuracy_raw = request.form.get("accuracy", "")
        accuracy = Decimal(accuracy_raw) if accuracy_raw else None
    except InvalidOperation as exc:
        raise ValidationFailed(_("The position is not a valid latitude and longitude.")) from exc
    services.check_in(visit, latitude=latitude, longitude=longitude, accuracy_m=accuracy, actor=current_user)
    db.session.commit()
    return jsonify(checked_in=True, latitude=str(visit.checkin_latitude), longitude=str(visit.checkin_longitude))


@bp.post("/<int:visit_id>/submit")
@roles_required(Role.INSPECTOR)
def submit(visit_id: int) -> t.Any:
    visit = _fillable(visit_id)
    raised = services.submit_visit(visit, actor=current_user)
    db.session.commit()
    flash(_("Visit submitted for review with %(n)d problem(s) raised.", n=len(raised)), "success")
    return redirect(url_for("visits.mine"))


@bp.post("/<int:visit_id>/return")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def return_visit(visit_id: int) -> t.Any:
    visit = _visit(visit_id)
    ensure(can_review_visit(current_user, visit))
    services.return_visit(visit, reason=request.form.get("reason", ""), actor=current_user)
    db.session.commit()
    flash(_("The visit was returned to its inspectors."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


@bp.post("/<int:visit_id>/approve")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def approve(visit_id: int) -> t.Any:
    visit = _visit(visit_id)
    ensure(can_review_visit(current_user, visit))
    services.approve_visit(visit, actor=current_user)
    db.session.commit()
    flash(_("Visit approved."), "success")
    return redirect(url_for("campaigns.show", campaign_id=visit.campaign_id))
