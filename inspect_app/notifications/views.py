from __future__ import annotations

import typing as t

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

from ..core.permissions import ensure
from ..extensions import db
from . import labels
from . import services
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")


@bp.app_context_processor
def unread() -> dict[str, t.Any]:
    """The unread count for the top bar, counted only when a page asks for it."""

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.route("/")
@login_required
def index() -> t.Any:
    unread_only = bool(request.args.get("unread"))
    page = db.paginate(services.inbox_query(current_user, unread_only=unread_only),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("notifications/index.html", page=page, unread_only=unread_only, message=labels.message)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> t.Any:
    notification = db.get_or_404(Notification, notification_id)
    ensure(notification.user_id == current_user.id)
    services.mark_read(notification, actor=current_user)
    db.session.commit()
    if notification.rectification_id is not None:
        return redirect(url_for("rectification.show", rect_id=notification.rectification_id))
    if notification.kind.startswith("submission."):
        # 报送 (the submissions package, a floor above) names its page by endpoint.
        return redirect(url_for("submissions.index"))
    return redirect(url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def read_all() -> t.Any:
    n = services.mark_all_read(actor=current_user)
    db.session.commit()
    flash(_("%(n)d notification(s) marked as read.", n=n), "success")
    return redirect(url_for("notifications.index"))
