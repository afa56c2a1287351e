"""Campaign pages: the list, create and edit, the visits tab, adding schools, start and close.

Every campaigns view is on the one ``bp`` (see :mod:`.blueprint`); importing this module registers them all.
"""

from __future__ import annotations

import typing as t

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

from ..checklists.models import ChecklistVersion
from ..checklists.services import published_versions
from ..core.inputs import query_id
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import roles_required
from ..core.roles import Role
from ..errors import ValidationFailed
from ..extensions import db
from ..schools import regions
from ..schools.models import City
from ..schools.models import SchoolLevel
from ..schools.permissions import can_manage_schools
from ..schools.services import counties
from . import lifecycle
from . import views_plan as views_plan
from . import views_pool as views_pool
from . import views_sample as views_sample
from . import views_teams as views_teams
from .blueprint import bp as bp
from .blueprint import form_errors
from .blueprint import inspector_label
from .blueprint import load_campaign
from .conflicts import eligible_inspectors
from .forms import AddSchoolsForm
from .forms import AssignForm
from .forms import CampaignDetailsForm
from .forms import CampaignForm
from .forms import SchoolSearchForm
from .forms import VisitFilterForm
from .models import VisitStatus
from .permissions import can_manage_campaign
from .progress import visit_figures


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    # Staff above the cities (the province's, administrators) may narrow the list to one city.
    cities = regions.cities() if current_user.scope_county_ids is None else []
    city_id = request.args.get("city", type=query_id)
    if city_id not in {city.id for city in cities}:
        city_id = None
    page = db.paginate(lifecycle.campaign_query(current_user, city_id=city_id),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("campaigns/index.html", rows=lifecycle.campaign_rows(current_user, page.items), page=page,
                           city_manager=can_manage_schools(current_user), cities=cities, city_id=city_id)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> t.Any:
    if current_user.role not in MANAGERS:
        abort(403)
    form = CampaignForm()
    form.checklist_version_id.choices = [
        SelectChoice(str(v.id), f"{v.display_title} · {v.version}") for v in published_versions()
    ]
    chooses = _region_choices(form)
    if form.validate_on_submit():
        try:
            level, city = _chosen_region(form) if chooses else (None, None)
            campaign = lifecycle.create_campaign(
                code=form.code.data or "", name=form.name.data or "", term=form.term.data or "",
                checklist_version=db.get_or_404(ChecklistVersion, form.checklist_version_id.data),
                default_due_on=form.default_due_on.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                cross_county=form.cross_county.data, visits_per_day=form.visits_per_day.data or 2,
                days_off=form.days_off.days, level=level, city=city, actor=current_user,
            )
        except ValidationFailed as err:
            # What only the service can tell is shown above the form, which keeps what was typed.
            db.session.rollback()
            form.form_errors.extend([err.message, *err.details])
        else:
            db.session.commit()
            flash(_("Campaign %(code)s created. Now add the schools to inspect.", code=campaign.code), "success")
            return redirect(url_for("campaigns.add_schools", campaign_id=campaign.id))
    # A refused form comes back as typed, every error beside its field.
    return (render_template("campaigns/new.html", form=form, chooses=chooses),
            422 if request.method == "POST" else 200)


def _region_choices(form: CampaignForm) -> bool:
    """Offer administrators and the province's staff the level: the province or one of its cities."""
    if current_user.role != Role.ADMIN and current_user.level != "province":
        return False
    form.region.choices = [SelectChoice("province", _("The province (cross-city inspection)"))] + [
        SelectChoice(f"city-{city.id}", city.name) for city in regions.cities()]
    if not form.region.data:
        form.region.data = "province" if current_user.level == "province" else f"city-{regions.home_city().id}"
    return True


def _chosen_region(form: CampaignForm) -> tuple[str, City | None]:
    value = form.region.data or ""
    if value == "province":
        return "province", None
    city = db.session.get(City, int(value[5:])) if value.startswith("city-") and value[5:].isdigit() else None
    if city is None:
        raise ValidationFailed(_("Choose the province or one of its cities to run the campaign."))
    return "city", city


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    lifecycle.require_open(campaign)
    form = CampaignDetailsForm(obj=campaign if request.method == "GET" else None)
    if request.method == "GET":
        form.days_off.data = lifecycle.format_days_off(campaign)
    if form.validate_on_submit():
        try:
            changed = lifecycle.update_campaign(
                campaign, name=form.name.data or "", term=form.term.data or "",
                default_due_on=form.default_due_on.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                visits_per_day=form.visits_per_day.data or campaign.visits_per_day,
                days_off=form.days_off.days, actor=current_user)
        except ValidationFailed as err:
            db.session.rollback()
            flash(err.message, "error")
            for line in err.details:
                flash(line, "error-detail")
        else:
            db.session.commit()
            flash(_("Campaign %(code)s saved.", code=campaign.code) if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    return render_template("campaigns/edit.html", campaign=campaign, form=form)


@bp.route("/<int:campaign_id>")
@roles_required(*STAFF)
def show(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id)
    form = AssignForm()
    form.inspector_id.choices = [SelectChoice(str(u.id), inspector_label(u)) for u in eligible_inspectors(campaign)]
    filters = VisitFilterForm(request.args)
    county_id, status_arg = filters.county_id, filters.status.data
    stmt = lifecycle.visit_query(current_user, campaign, county_id=county_id, status=filters.visit_status,
                                 unassigned=bool(filters.unassigned.data))
    page = db.paginate(stmt, per_page=100, error_out=False)
    # Open problems and scores belong to the floors above; they answer by signal (core.signals.visit_figures).
    figures = visit_figures(campaign, page.items)
    return render_template(
        "campaigns/show.html", campaign=campaign, page=page, problems=figures.get("problems", {}),
        scores=figures.get("scores", {}), manage=can_manage_campaign(current_user, campaign), form=form,
        counties=counties(current_user), statuses=list(VisitStatus), county_id=county_id, teams=campaign.teams,
        status=status_arg, tab="visits",
    )


@bp.route("/<int:campaign_id>/schools", methods=["GET", "POST"])
@roles_required(*STAFF)
def add_schools(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    if request.method == "POST":
        form = AddSchoolsForm()
        if not form.validate():
            raise ValidationFailed(_("Tick at least one school."), details=form_errors(form))
        schools = lifecycle.pick_schools(current_user, school_ids=form.school_id.data or [],
                                         all_matching=form.all_matching.data, q=form.q.data,
                                         county_id=form.county_id, level=form.school_level)
        visits = lifecycle.add_schools(campaign, schools, actor=current_user)
        db.session.commit()
        flash(_("%(n)d school(s) added to the campaign.", n=len(visits)), "success")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    search = SchoolSearchForm(request.args)
    q, county_id, level = search.q.data or "", search.county_id, search.school_level
    page = db.paginate(lifecycle.addable_schools(current_user, campaign, q=q, county_id=county_id, level=level),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("campaigns/add_schools.html", campaign=campaign, page=page, q=q, county_id=county_id,
                           level=level, counties=counties(current_user), levels=list(SchoolLevel))


@bp.post("/<int:campaign_id>/start")
@roles_required(*STAFF)
def start(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    lifecycle.start_campaign(campaign, actor=current_user)
    db.session.commit()
    flash(_("Campaign %(code)s is under way; inspectors now see their visits.", code=campaign.code), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/close")
@roles_required(*STAFF)
def close(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    lifecycle.close_campaign(campaign, actor=current_user)
    db.session.commit()
    flash(_("Campaign %(code)s closed.", code=campaign.code), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign.id))
