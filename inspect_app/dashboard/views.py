from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from markupsafe import Markup

from ..auth.models import Role
from ..campaigns.models import Campaign
from ..campaigns.permissions import campaign_filter
from ..campaigns.services import campaign_query
from ..campaigns.services import campaign_rows
from ..core.permissions import STAFF
from ..core.permissions import roles_required
from ..extensions import db
from ..rectification.models import RectificationStatus as S
from ..rectification.services import RectFilter
from . import charts
from .rates import rates_panel
from .services import Group
from .services import build_dashboard

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


def list_url(filters: RectFilter, **changes: t.Any) -> str:
    """The rectification list showing the rows behind a figure."""
    args: dict[str, t.Any] = filters.but(**changes).args()
    return url_for("rectification.index", **args)


def group_bar(group: Group, scale: int) -> Markup:
    """A group's bar: closed, open on time and overdue, each segment linking to its rows."""
    f, where = group.figures, group.filter
    return charts.stacked_bar([
        (f.closed, "seg-closed", list_url(where, status=S.CLOSED), _("Closed: %(n)d", n=f.closed)),
        (f.on_time, "seg-open", list_url(where, open_only=True), _("Open, not overdue: %(n)d", n=f.on_time)),
        (f.overdue, "seg-overdue", list_url(where, overdue=True), _("Overdue: %(n)d", n=f.overdue)),
    ], scale=scale, label=_("%(label)s: %(closed)d of %(total)d closed, %(overdue)d overdue", label=group.label,
                            closed=f.closed, total=f.total, overdue=f.overdue))


def status_strip(counts: dict[S, int], filters: RectFilter) -> Markup:
    return charts.status_strip(counts, {s: list_url(filters, status=s) for s in S}, {s: s.label for s in S},
                               label=_("Rectification by status"))


@bp.route("/overview")
@roles_required(*STAFF)
def index() -> t.Any:
    board = build_dashboard(current_user, RectFilter.from_args(request.args))
    campaigns = db.session.scalars(sa.select(Campaign).where(campaign_filter(current_user))
                                   .order_by(Campaign.id.desc())).all()
    # The ten newest campaigns' figures, counted for those ten only.
    latest = db.session.scalars(campaign_query(current_user).limit(10)).all()
    return render_template(
        "dashboard/index.html", board=board, campaigns=campaigns, campaign_rows=campaign_rows(current_user, latest),
        panel=rates_panel(current_user, campaigns, board.filters.campaign_id),
        list_url=list_url, group_bar=group_bar, status_strip=status_strip, status_order=charts.STATUS_ORDER, S=S,
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
