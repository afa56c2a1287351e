from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import redirect
from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ..auth.models import Role
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..extensions import db
from . import owners
from . import services
from .models import Attachment

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.route("/<int:attachment_id>")
@login_required
def file(attachment_id: int) -> t.Any:
    attachment = db.get_or_404(Attachment, attachment_id)
    ensure(owners.may_view(current_user, attachment))
    response = services.serve(attachment, thumb=bool(request.args.get("thumb")))
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
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
