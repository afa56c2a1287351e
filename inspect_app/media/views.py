from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import redirect
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ..auth.models import Role
from ..checklists.models import ChecklistItem
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..findings.permissions import can_view_finding
from ..rectification.models import Rectification
from ..rectification.permissions import can_work_on_rectification
from ..visits.models import Visit
from ..visits.permissions import can_view_visit
from ..visits.permissions import is_assigned
from . import services
from .models import Attachment

bp = Blueprint("media", __name__, url_prefix="/media")


def _may_view(attachment: Attachment) -> bool:
    if attachment.finding_id is not None:
        finding = db.session.get(Finding, attachment.finding_id)
        return finding is not None and can_view_finding(current_user, finding)
    if attachment.visit_id is not None:
        visit = db.session.get(Visit, attachment.visit_id)
        if visit is None:
            return False
        if can_view_visit(current_user, visit):
            return True
        if current_user.role == Role.SCHOOL and visit.school_id == current_user.school_id:
            # A school sees the inspection photos behind its own confirmed findings: those of the
            # finding's item, and of the photo questions detailing it, in the same repeat entry.
            item = db.session.get(ChecklistItem, attachment.item_id) if attachment.item_id else None
            if item is None:
                return False
            return bool(db.session.scalar(sa.select(sa.exists().where(
                Finding.visit_id == visit.id, Finding.item_id == (item.detail_of_id or item.id),
                Finding.instance_id.is_(None) if attachment.instance_id is None
                else Finding.instance_id == attachment.instance_id,
                Finding.status == FindingStatus.CONFIRMED,
            ))))
        return False
    rect = db.session.get(Rectification, attachment.rectification_id)
    return rect is not None and can_view_finding(current_user, rect.finding)


@bp.route("/<int:attachment_id>")
@login_required
def file(attachment_id: int) -> t.Any:
    attachment = db.get_or_404(Attachment, attachment_id)
    ensure(_may_view(attachment))
    thumb = bool(request.args.get("thumb"))
    path = services.file_path(attachment, thumb=thumb)
    if not path.is_file():
        abort(404)
    content_type = "image/jpeg" if thumb and attachment.thumb_path else attachment.content_type
    response = send_file(path, mimetype=content_type, download_name=attachment.original_name,
                         as_attachment=not content_type.startswith("image/"), max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@bp.post("/<int:attachment_id>/delete")
@roles_required(Role.INSPECTOR, Role.SCHOOL)
def delete(attachment_id: int) -> t.Any:
    attachment = db.get_or_404(Attachment, attachment_id)
    ensure(_may_view(attachment))
    if attachment.visit_id is not None:
        visit = db.session.get(Visit, attachment.visit_id)
        ensure(visit is not None and is_assigned(current_user, visit))
        target = url_for("visits.show", visit_id=attachment.visit_id) + f"#item-{attachment.item_id}"
    else:
        rect = db.session.get(Rectification, attachment.rectification_id)
        ensure(rect is not None and can_work_on_rectification(current_user, rect))
        target = url_for("rectification.show", rect_id=attachment.rectification_id) + "#evidence"
    services.remove(attachment, actor=current_user)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return {"deleted": attachment_id, "message": _("Deleted.")}
    return redirect(target)
