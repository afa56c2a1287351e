from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ..auth.models import Role
from ..core import storage
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..extensions import db
from . import owners
from . import services
from .models import Attachment
from .models import FileStatus

bp = Blueprint("media", __name__, url_prefix="/media")
PDF = "application/pdf"


@bp.route("/<int:attachment_id>")
@login_required
def file(attachment_id: int) -> t.Any:
    attachment = db.get_or_404(Attachment, attachment_id)
    ensure(owners.may_view(current_user, attachment))
    thumb = bool(request.args.get("thumb"))
    if attachment.status != FileStatus.READY:
        # Not decoded yet (处理中), or refused once decoded: a picture saying so, until the page is reloaded.
        icon = "img/processing.svg" if attachment.status == FileStatus.PROCESSING else "img/refused.svg"
        return redirect(url_for("static", filename=icon))
    if thumb and not attachment.thumb_path and attachment.content_type == PDF:
        page = services.document_thumb(attachment)
        if page is None:
            return redirect(url_for("static", filename="img/pdf.svg"))
        response = storage.serve("uploads", page, filename=attachment.original_name, mimetype="image/jpeg",
                                 attachment=False, max_age=3600)
    else:
        # Photos open in the browser, and PDF scans asked for with ``inline=1`` (evidence); anything else
        # (a workbook, a PDF from a download link) is downloaded.
        inline = attachment.content_type == PDF and bool(request.args.get("inline"))
        response = services.serve(attachment, thumb=thumb, attachment_download=False if inline else None)
    # The browser's own PDF viewer is an embedded object of the page it opens.
    objects = "object-src 'self'; " if attachment.content_type == PDF and not thumb else ""
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; {objects}img-src 'self'; style-src 'unsafe-inline'")
    return response


@bp.post("/<int:attachment_id>/delete")
@roles_required(Role.INSPECTOR, Role.SCHOOL)
def delete(attachment_id: int) -> t.Any:
    attachment = db.get_or_404(Attachment, attachment_id)
    ensure(owners.may_view(current_user, attachment))
    remover = owners.remover(attachment)
    ensure(remover is not None and remover.may_remove(current_user, attachment))
    assert remover is not None
    target = remover.back_to(attachment)
    remover.remove(attachment, current_user)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return {"deleted": attachment_id, "message": _("Deleted.")}
    return redirect(target)
