from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from ..auth.models import Role
from ..campaigns.services import campaign_rows
from ..core.permissions import STAFF
from ..core.permissions import roles_required
from ..extensions import db
from .services import overview

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.route("/")
@login_required
def home() -> t.Any:
    """Send each role to the page it starts its work on."""
    if current_user.role == Role.INSPECTOR:
        return redirect(url_for("visits.mine"))
    if current_user.role == Role.SCHOOL:
        return redirect(url_for("rectification.mine"))
    return redirect(url_for("dashboard.index"))


@bp.route("/overview")
@roles_required(*STAFF)
def index() -> t.Any:
    return render_template(
        "dashboard/index.html", figures=overview(current_user), campaigns=campaign_rows(current_user)[:10]
    )


@bp.post("/language")
def language() -> t.Any:
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(request.referrer or url_for("dashboard.home"))
