from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.models import User
from ..checklists.models import ChecklistVersion
from ..checklists.services import published_versions
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import can_manage_campaign
from ..core.permissions import can_report_on_campaign
from ..core.permissions import can_view_campaign
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..core.permissions import school_filter
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..schools.services import counties
from ..schools.services import school_query
from ..visits.models import Visit
from ..visits.models import VisitStatus
from ..visits.services import visit_scores
from . import services
from .forms import AssignForm
from .forms import CampaignForm
from .models import Campaign

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns", template_folder="templates")


def _campaign(campaign_id: int, *, manage: bool = False) -> Campaign:
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure(can_view_campaign(current_user, campaign))
    if manage and not can_manage_campaign(current_user, campaign):
        abort(403)
    return campaign


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    return render_template("campaigns/index.html", rows=services.campaign_rows(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> t.Any:
    if current_user.role not in MANAGERS:
        abort(403)
    form = CampaignForm()
    form.checklist_version_id.choices = [
        SelectChoice(str(v.id), f"{v.display_title} · {v.version}") for v in published_versions()
    ]
    if form.validate_on_submit():
        campaign = services.create_campaign(
            code=form.code.data or "", name=form.name.data or "", term=form.term.data or "",
            checklist_version=db.get_or_404(ChecklistVersion, form.checklist_version_id.data),
            default_due_on=form.default_due_on.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            cross_county=form.cross_county.data, actor=current_user,
        )
        db.session.commit()
        flash(_("Campaign %(code)s created. Now add the schools to inspect.", code=campaign.code), "success")
        return redirect(url_for("campaigns.add_schools", campaign_id=campaign.id))
    return render_template("campaigns/new.html", form=form)


@bp.route("/<int:campaign_id>")
@roles_required(*STAFF)
def show(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id)
    manage = can_manage_campaign(current_user, campaign)
    form = AssignForm()
    form.inspector_id.choices = [
        SelectChoice(str(u.id), f"{u.display_name}（{u.county.name if u.county else _('city')}）")
        for u in services.eligible_inspectors(campaign)
    ]
    county_id = request.args.get("county", type=int)
    status_arg = request.args.get("status")
    status = VisitStatus(status_arg) if status_arg in {s.value for s in VisitStatus} else None
    stmt = services.visit_query(current_user, campaign, county_id=county_id, status=status,
                                unassigned=bool(request.args.get("unassigned")))
    page = db.paginate(stmt, per_page=100, error_out=False)
    return render_template(
        "campaigns/show.html", campaign=campaign, page=page, problems=services.open_problem_counts(page.items),
        scores=visit_scores(page.items),
        manage=manage, can_report=can_report_on_campaign(current_user, campaign), form=form, counties=counties(),
        statuses=list(VisitStatus), county_id=county_id,
        status=status_arg,
    )


@bp.route("/<int:campaign_id>/schools", methods=["GET", "POST"])
@roles_required(*STAFF)
def add_schools(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    if request.method == "POST":
        ids = [int(i) for i in request.form.getlist("school_id") if i.isdigit()]
        if request.form.get("all_matching"):
            level = request.form.get("level")
            stmt = school_query(
                current_user, q=request.form.get("q") or None, county_id=request.form.get("county", type=int),
                level=SchoolLevel(level) if level in {lvl.value for lvl in SchoolLevel} else None,
            )
            schools = list(db.session.scalars(stmt))
        else:
            schools = list(db.session.scalars(
                sa.select(School).where(School.id.in_(ids), school_filter(current_user, School.id, School.county_id))
            ))
        if not schools:
            raise ValidationFailed(_("Tick at least one school."))
        visits = services.add_schools(campaign, schools, actor=current_user)
        db.session.commit()
        flash(_("%(n)d school(s) added to the campaign.", n=len(visits)), "success")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    q = request.args.get("q", "").strip()
    county_id = request.args.get("county", type=int)
    level_arg = request.args.get("level")
    level = SchoolLevel(level_arg) if level_arg in {lvl.value for lvl in SchoolLevel} else None
    stmt = school_query(current_user, q=q, county_id=county_id, level=level)
    in_campaign = sa.select(Visit.school_id).where(Visit.campaign_id == campaign.id)
    stmt = stmt.where(School.id.not_in(in_campaign))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("campaigns/add_schools.html", campaign=campaign, page=page, q=q, county_id=county_id,
                           level=level, counties=counties(), levels=list(SchoolLevel))


def _selected_visits(campaign: Campaign) -> list[Visit]:
    ids = [int(i) for i in request.form.getlist("visit_id") if i.isdigit()]
    if not ids:
        raise ValidationFailed(_("Tick at least one visit."))
    return list(db.session.scalars(
        sa.select(Visit).join(School, School.id == Visit.school_id)
        .where(Visit.id.in_(ids), Visit.campaign_id == campaign.id,
               school_filter(current_user, Visit.school_id, School.county_id))
    ))


@bp.post("/<int:campaign_id>/assign")
@roles_required(*STAFF)
def assign(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    visits = _selected_visits(campaign)
    action = request.form.get("action", "assign")
    if action == "remove":
        for visit in visits:
            services.remove_visit(visit, actor=current_user)
        db.session.commit()
        flash(_("%(n)d visit(s) removed.", n=len(visits)), "success")
    elif action == "date":
        raw = request.form.get("planned_on", "").strip()
        try:
            planned_on = date.fromisoformat(raw) if raw else None
        except ValueError as exc:
            raise ValidationFailed(_("“%(v)s” is not a date.", v=raw)) from exc
        services.set_planned_date(visits, planned_on, actor=current_user)
        db.session.commit()
        flash(_("%(n)d visit(s) scheduled.", n=len(visits)), "success")
    else:
        inspector = db.session.get(User, request.form.get("inspector_id", type=int) or 0)
        if inspector is None:
            raise ValidationFailed(_("Choose an inspector."))
        added = services.assign_inspector(visits, inspector, actor=current_user)
        db.session.commit()
        if added:
            flash(_("%(name)s assigned to %(n)d visit(s).", name=inspector.display_name, n=added), "success")
        else:
            flash(_("%(name)s was already assigned to these visits.", name=inspector.display_name), "info")
    return redirect(request.referrer or url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/visits/<int:visit_id>/unassign/<int:user_id>")
@roles_required(*STAFF)
def unassign(campaign_id: int, visit_id: int, user_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    visit = db.get_or_404(Visit, visit_id)
    ensure(visit.campaign_id == campaign.id)
    services.unassign_inspector(visit, db.get_or_404(User, user_id), actor=current_user)
    db.session.commit()
    return redirect(request.referrer or url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/start")
@roles_required(*STAFF)
def start(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    services.start_campaign(campaign, actor=current_user)
    db.session.commit()
    flash(_("Campaign %(code)s is under way; inspectors now see their visits.", code=campaign.code), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/close")
@roles_required(*STAFF)
def close(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    services.close_campaign(campaign, actor=current_user)
    db.session.commit()
    flash(_("Campaign %(code)s closed.", code=campaign.code), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))
