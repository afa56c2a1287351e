from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
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
from ..core.inputs import query_id
from ..core.permissions import STAFF
from ..core.permissions import county_ok
from ..core.permissions import roles_required
from ..extensions import db
from ..rectification.models import RectificationStatus as S
from ..rectification.services import RectFilter
from ..schools.models import City
from ..schools.models import County
from . import charts
from .rates import rates_panel
from .regions import Area
from .regions import RegionBoard
from .regions import region_board
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


def _region_args(viewer: t.Any) -> tuple[int | None, int | None]:
    """The city and county asked for, held to the viewer's region (404 outside it): city staff start at their
    city's counties, county staff at their county's schools."""
    city_id, county_id = request.args.get("city", type=query_id), request.args.get("county", type=query_id)
    if viewer.county_id is not None:
        if county_id not in (None, viewer.county_id) or city_id not in (None, viewer.city_id):
            abort(404)
        return None, viewer.county_id
    if county_id is not None:
        county = db.get_or_404(County, county_id)
        if not county_ok(viewer, county.id):
            abort(404)
        return None, county.id
    if viewer.city_id is not None:
        if city_id not in (None, viewer.city_id):
            abort(404)
        return viewer.city_id, None
    if city_id is not None:
        db.get_or_404(City, city_id)
    return city_id, None


def area_bar(board: RegionBoard, area: Area) -> Markup:
    """An area's problems: closed, open on time and overdue, each segment linking to its rows."""
    where = area_where(board, area)
    on_time = area.open - area.overdue
    return charts.stacked_bar([
        (area.closed, "seg-closed", list_url(where, status=S.CLOSED), _("Closed: %(n)d", n=area.closed)),
        (on_time, "seg-open", list_url(where, open_only=True), _("Open, not overdue: %(n)d", n=on_time)),
        (area.overdue, "seg-overdue", list_url(where, overdue=True), _("Overdue: %(n)d", n=area.overdue)),
    ], scale=board.largest, label=_("%(label)s: %(closed)d of %(total)d closed, %(overdue)d overdue",
                                    label=area.name, closed=area.closed, total=area.findings, overdue=area.overdue))


def area_where(board: RegionBoard, area: Area) -> RectFilter:
    """The list filter selecting an area's rows: its city or county (a school's: its county's)."""
    where = RectFilter(campaign_id=board.campaign_id)
    if board.level == "city":
        return where.but(city_id=area.id)
    if board.level == "county":
        return where.but(county_id=area.id)
    return where.but(county_id=board.county.id if board.county else None)


@bp.route("/overview/regions")
@roles_required(*STAFF)
def regions() -> t.Any:
    """The regions side by side: the cities for the province, a city's counties, a county's schools."""
    city_id, county_id = _region_args(current_user)
    campaigns = db.session.scalars(sa.select(Campaign).where(campaign_filter(current_user))
                                   .order_by(Campaign.id.desc())).all()
    campaign_id = request.args.get("campaign", type=query_id)
    campaign = next((c for c in campaigns if c.id == campaign_id), None)
    if campaign_id is not None and campaign is None:
        abort(404)
    board = region_board(current_user, campaign=campaign, city_id=city_id, county_id=county_id)
    return render_template("dashboard/regions.html", board=board, campaigns=campaigns, campaign=campaign,
                           area_bar=area_bar, area_where=area_where, list_url=list_url, S=S)


@bp.post("/language")
def language() -> t.Any:
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(request.referrer or url_for("dashboard.home"))
