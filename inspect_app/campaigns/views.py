from __future__ import annotations

import io
import re
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
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import orm
from wtforms.fields.choices import SelectChoice

from ..auth.models import User
from ..checklists.models import ChecklistVersion
from ..checklists.services import published_versions
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..core.permissions import school_filter
from ..db import local_today
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..schools.permissions import can_manage_schools
from ..schools.services import counties
from ..schools.services import school_query
from ..visits.models import Visit
from ..visits.models import VisitStatus
from ..visits.services import visit_scores
from . import importers
from . import services
from .forms import AssignForm
from .forms import AutoAssignForm
from .forms import CampaignDetailsForm
from .forms import CampaignForm
from .forms import ConflictForm
from .forms import SampleForm
from .forms import TeamForm
from .forms import UploadForm
from .models import Campaign
from .models import ConflictOfInterest
from .models import Team
from .models import TeamMember
from .permissions import can_manage_campaign
from .permissions import can_report_on_campaign
from .permissions import can_view_campaign

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns", template_folder="templates")
# The campaign head (campaigns/_head.html) offers the report links only to those who may report.
bp.add_app_template_global(can_report_on_campaign)


def _campaign(campaign_id: int, *, manage: bool = False) -> Campaign:
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure(can_view_campaign(current_user, campaign))
    if manage and not can_manage_campaign(current_user, campaign):
        abort(403)
    return campaign


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    return render_template("campaigns/index.html", rows=services.campaign_rows(current_user),
                           city_manager=can_manage_schools(current_user))


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
            cross_county=form.cross_county.data, visits_per_day=form.visits_per_day.data or 2,
            days_off=form.days_off.days, actor=current_user,
        )
        db.session.commit()
        flash(_("Campaign %(code)s created. Now add the schools to inspect.", code=campaign.code), "success")
        return redirect(url_for("campaigns.add_schools", campaign_id=campaign.id))
    return render_template("campaigns/new.html", form=form)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    services.require_open(campaign)
    form = CampaignDetailsForm(obj=campaign if request.method == "GET" else None)
    if request.method == "GET":
        form.days_off.data = services.format_days_off(campaign)
    if form.validate_on_submit():
        try:
            changed = services.update_campaign(
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
        manage=manage, form=form, counties=counties(),
        statuses=list(VisitStatus), county_id=county_id, teams=campaign.teams,
        status=status_arg, tab="visits",
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


def _date_arg() -> date | None:
    raw = request.form.get("planned_on", "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError as exc:
        raise ValidationFailed(_("“%(v)s” is not a date.", v=raw)) from exc


def _team(campaign: Campaign, team_id: int | None) -> Team:
    team = db.get_or_404(Team, team_id or 0)
    ensure(team.campaign_id == campaign.id)
    return team


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
        planned_on = _date_arg()
        services.set_planned_date(visits, planned_on, actor=current_user)
        db.session.commit()
        flash(_("%(n)d visit(s) scheduled.", n=len(visits)), "success")
    elif action == "team":
        team_id = request.form.get("team_id", type=int)
        team = _team(campaign, team_id) if team_id else None
        changed = services.assign_team(visits, team, actor=current_user, planned_on=_date_arg())
        db.session.commit()
        if team is None:
            flash(_("%(n)d visit(s) no longer have a team.", n=changed), "success")
        else:
            flash(_("%(n)d visit(s) given to %(team)s.", n=changed, team=team.name), "success")
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


# ---------------------------------------------------------------------------------------------------------
# Sampling


def _codes(text: str | None) -> list[str]:
    return [code for code in re.split(r"[\s,，、;；]+", text or "") if code]


def _sample_request(form: SampleForm) -> services.SampleRequest:
    return services.SampleRequest(
        seed=form.seed.data or 0, size=form.size.data, minimum=form.minimum.data or 0,
        county_ids=list(form.counties.data or []),
        levels=[SchoolLevel(v) for v in form.levels.data or [] if v in {lvl.value for lvl in SchoolLevel}],
        include=_codes(form.include.data), exclude=_codes(form.exclude.data),
        include_open_problems=bool(form.include_open_problems.data),
    )


def _sample_form(campaign: Campaign, formdata: t.Any, **kwargs: t.Any) -> SampleForm:
    form = SampleForm(formdata=formdata, **kwargs)
    form.counties.choices = [SelectChoice(str(c.id), c.name) for c in counties()
                             if campaign.county_id is None or c.id == campaign.county_id]
    form.levels.choices = [SelectChoice(lvl.value, lvl.label) for lvl in SchoolLevel]
    return form


@bp.route("/<int:campaign_id>/sample", methods=["GET", "POST"])
@roles_required(*STAFF)
def sample(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    if request.method == "POST":
        form = _sample_form(campaign, request.form)
        if not form.validate():
            raise ValidationFailed(_("The sample was not drawn."), details=_form_errors(form))
        result = services.draw_sample(campaign, _sample_request(form))
        added, removed = services.apply_sample(campaign, result, actor=current_user)
        db.session.commit()
        flash(_("Sample drawn with seed %(seed)d: %(n)d school(s), %(added)d added, %(removed)d removed.",
                seed=result.request.seed, n=len(result.schools), added=added, removed=removed), "success")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    previous = campaign.sample or {}
    drawing = "seed" in request.args
    form = _sample_form(campaign, request.args if drawing else None, meta={"csrf": False},
                        data=None if drawing else {
                            "seed": services.new_seed(), "minimum": previous.get("minimum", 1),
                            "size": previous.get("size"), "counties": previous.get("county_ids", []),
                            "levels": previous.get("levels", []),
                            "include": "\n".join(previous.get("include", [])),
                            "exclude": "\n".join(previous.get("exclude", [])),
                            "include_open_problems": previous.get("include_open_problems", False)})
    preview: services.SampleResult | None = None
    problem: ServiceError | None = None
    if drawing and form.validate():
        try:
            preview = services.draw_sample(campaign, _sample_request(form))
        except ServiceError as err:
            problem = err
    return render_template("campaigns/sample.html", campaign=campaign, form=form, result=preview, problem=problem,
                           previous=previous, manage=True, tab="sample",
                           open_problems=len(services.open_problem_school_ids(campaign)))


def _form_errors(form: t.Any) -> list[str]:
    return [f"{form[name].label.text}: {error}" for name, errors in form.errors.items() for error in errors]


# ---------------------------------------------------------------------------------------------------------
# Teams


@bp.route("/<int:campaign_id>/teams")
@roles_required(*STAFF)
def teams(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id)
    manage = can_manage_campaign(current_user, campaign)
    form = AutoAssignForm(data={"per_day": campaign.visits_per_day})
    unassigned = db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit).join(School, School.id == Visit.school_id)
        .where(Visit.campaign_id == campaign.id, Visit.team_id.is_(None),
               school_filter(current_user, Visit.school_id, School.county_id))) or 0
    return render_template("campaigns/teams.html", campaign=campaign, rows=services.team_rows(campaign, current_user),
                           form=form, manage=manage, unassigned=unassigned, tab="teams")


def _team_form(campaign: Campaign, team: Team | None) -> TeamForm:
    current = None
    if team is not None and request.method == "GET":
        current = {"name": team.name, "leader_id": team.leader.id if team.leader else None,
                   "member_ids": [m.user_id for m in team.members]}
    form = TeamForm(data=current)
    taken = {m.user_id: other.name for other in campaign.teams if other is not team for m in other.members}
    people = services.eligible_inspectors(campaign)
    form.leader_id.choices = [SelectChoice(str(u.id), _inspector_label(u)) for u in people if u.id not in taken]
    form.member_ids.choices = [SelectChoice(str(u.id), _inspector_label(u)) for u in people if u.id not in taken]
    return form


def _inspector_label(user: User) -> str:
    return f"{user.display_name}（{user.county.name if user.county else _('city')}）"


def _save_team(campaign: Campaign, team: Team | None) -> t.Any:
    services.require_open(campaign)
    form = _team_form(campaign, team)
    if form.validate_on_submit():
        leader = db.get_or_404(User, form.leader_id.data)
        members = list(db.session.scalars(sa.select(User).where(User.id.in_(form.member_ids.data or []))))
        saved = services.save_team(campaign, name=form.name.data or "", leader=leader, members=members,
                                   actor=current_user, team=team)
        db.session.commit()
        flash(_("Team %(name)s saved with %(n)d member(s).", name=saved.name, n=len(saved.members)), "success")
        return redirect(url_for("campaigns.teams", campaign_id=campaign.id))
    return render_template("campaigns/team_form.html", campaign=campaign, form=form, team=team, manage=True,
                           tab="teams")


@bp.route("/<int:campaign_id>/teams/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def team_new(campaign_id: int) -> t.Any:
    return _save_team(_campaign(campaign_id, manage=True), None)


@bp.route("/<int:campaign_id>/teams/<int:team_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def team_edit(campaign_id: int, team_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    return _save_team(campaign, _team(campaign, team_id))


@bp.post("/<int:campaign_id>/teams/<int:team_id>/delete")
@roles_required(*STAFF)
def team_delete(campaign_id: int, team_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    team = _team(campaign, team_id)
    name = team.name
    n = services.delete_team(team, actor=current_user)
    db.session.commit()
    flash(_("Team %(name)s deleted; %(n)d visit(s) need another team.", name=name, n=n), "success")
    return redirect(url_for("campaigns.teams", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/assign-teams")
@roles_required(*STAFF)
def auto_assign(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    form = AutoAssignForm()
    if not form.validate():
        raise ValidationFailed(_("Nothing was assigned."), details=_form_errors(form))
    result = services.auto_assign(campaign, actor=current_user, per_day=form.per_day.data,
                                  replan=bool(form.replan.data))
    db.session.commit()
    flash(_("%(n)d visit(s) assigned to %(teams)d team(s); see the schedule.", n=result.assigned,
            teams=len(result.teams)), "success")
    return redirect(url_for("campaigns.schedule", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/teams/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def teams_import(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        result = importers.import_teams(campaign, upload.read(), filename=upload.filename or "teams.xlsx",
                                        actor=current_user)
        db.session.commit()
        flash(_("Teams imported: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.",
                created=result.created, updated=result.updated, unchanged=result.unchanged), "success")
        return redirect(url_for("campaigns.teams", campaign_id=campaign.id))
    return render_template("campaigns/import.html", campaign=campaign, form=form, manage=True, tab="teams",
                           title=_("Import teams"),
                           explain=_("One row per member: the team's name, the role (组长 or 成员) and the inspector's "
                                     "account. A team named in the file gets exactly the members listed; other teams "
                                     "keep theirs. If any row breaks a rule, nothing is imported and every problem is "
                                     "listed with its row."),
                           template_url=url_for("campaigns.teams_template", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/teams/template.xlsx")
@roles_required(*STAFF)
def teams_template(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id, manage=True)
    return _xlsx(importers.team_template(campaign), f"{campaign.code}-检查组导入模板.xlsx")


# ---------------------------------------------------------------------------------------------------------
# Schedule, board and the plan documents

TEAMS_PER_PAGE = 10


@bp.route("/<int:campaign_id>/schedule")
@roles_required(*STAFF)
def schedule(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id)
    stmt = (sa.select(Team).where(Team.campaign_id == campaign.id).order_by(Team.position, Team.id)
            .options(orm.selectinload(Team.members).joinedload(TeamMember.user).joinedload(User.county)))
    if current_user.county_id is not None:
        mine = (sa.select(Visit.team_id).join(School, School.id == Visit.school_id)
                .where(Visit.campaign_id == campaign.id, School.county_id == current_user.county_id))
        stmt = stmt.where(Team.id.in_(mine))
    page = db.paginate(stmt, per_page=TEAMS_PER_PAGE, error_out=False)
    visits = services.plan_visits(campaign, current_user, team_ids=[team.id for team in page.items])
    by_team: dict[int, list[Visit]] = {team.id: [] for team in page.items}
    for visit in visits:
        if visit.team_id is not None:
            by_team[visit.team_id].append(visit)
    return render_template("campaigns/schedule.html", campaign=campaign, page=page, by_team=by_team,
                           manage=can_manage_campaign(current_user, campaign),
                           can_report=can_report_on_campaign(current_user, campaign), tab="schedule",
                           today=local_today())


@bp.route("/<int:campaign_id>/board")
@roles_required(*STAFF)
def board(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id)
    return render_template("campaigns/board.html", campaign=campaign,
                           board=services.progress_board(campaign, current_user), states=services.BOARD_STATES,
                           manage=can_manage_campaign(current_user, campaign), tab="board")


def _xlsx(data: bytes, name: str) -> t.Any:
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/<int:campaign_id>/plan.xlsx")
@roles_required(*STAFF)
def plan_xlsx(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id)
    data, _rows = services.plan_workbook(campaign, current_user)
    return _xlsx(data, f"{campaign.code}-检查安排.xlsx")


@bp.route("/<int:campaign_id>/plan.docx")
@roles_required(*STAFF)
def plan_notice(campaign_id: int) -> t.Any:
    campaign = _campaign(campaign_id)
    if not can_report_on_campaign(current_user, campaign):
        # The notice lists every county's schools and teams; a county sees only its own share.
        abort(403)
    return send_file(io.BytesIO(services.plan_notice(campaign)), mimetype=services.DOCX_MIME, as_attachment=True,
                     download_name=f"{campaign.code}-检查工作安排通知.docx")


# ---------------------------------------------------------------------------------------------------------
# Inspectors and declared conflicts: the city's pool, managed by the city


def _require_city_manager() -> None:
    if not can_manage_schools(current_user):
        abort(403)


@bp.route("/inspectors", methods=["GET", "POST"])
@roles_required(*STAFF)
def inspectors() -> t.Any:
    _require_city_manager()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        result = importers.import_inspectors(upload.read(), filename=upload.filename or "inspectors.xlsx",
                                             actor=current_user)
        db.session.commit()
        flash(_("Inspectors imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
                created=result.created, updated=result.updated, unchanged=result.unchanged), "success")
        return redirect(url_for("campaigns.inspectors"))
    q = request.args.get("q", "").strip()
    county_id = request.args.get("county", type=int)
    page = db.paginate(services.inspector_query(q=q or None, county_id=county_id),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("campaigns/inspectors.html", page=page, form=form, q=q, county_id=county_id,
                           counties=counties(), conflicts=services.conflict_counts(u.id for u in page.items))


@bp.route("/inspectors/template.xlsx")
@roles_required(*STAFF)
def inspectors_template() -> t.Any:
    _require_city_manager()
    return _xlsx(importers.inspector_template(), "检查员导入模板.xlsx")


@bp.route("/conflicts", methods=["GET", "POST"])
@roles_required(*STAFF)
def conflicts() -> t.Any:
    _require_city_manager()
    form = ConflictForm()
    form.inspector_id.choices = [SelectChoice(str(u.id), _inspector_label(u))
                                 for u in db.session.scalars(services.inspector_query().where(User.active.is_(True)))]
    if form.validate_on_submit():
        inspector = db.get_or_404(User, form.inspector_id.data)
        code = (form.school_code.data or "").strip()
        school = db.session.scalar(sa.select(School).where(School.code == code))
        if school is None:
            raise ValidationFailed(_("No school with code “%(code)s”.", code=code))
        services.declare_conflict(inspector, school, reason=form.reason.data or "", actor=current_user)
        db.session.commit()
        flash(_("%(name)s will not be assigned to %(school)s.", name=inspector.display_name, school=school.name),
              "success")
        return redirect(url_for("campaigns.conflicts"))
    q = request.args.get("q", "").strip()
    page = db.paginate(services.conflict_query(q=q or None), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("campaigns/conflicts.html", page=page, form=form, q=q,
                           upload=UploadForm(prefix="upload"))


@bp.post("/conflicts/<int:conflict_id>/delete")
@roles_required(*STAFF)
def conflict_delete(conflict_id: int) -> t.Any:
    _require_city_manager()
    conflict = db.get_or_404(ConflictOfInterest, conflict_id)
    services.withdraw_conflict(conflict, actor=current_user)
    db.session.commit()
    flash(_("The declared conflict was withdrawn."), "success")
    return redirect(url_for("campaigns.conflicts"))


@bp.post("/conflicts/import")
@roles_required(*STAFF)
def conflicts_import() -> t.Any:
    _require_city_manager()
    form = UploadForm(prefix="upload")
    if not form.validate():
        raise ValidationFailed(_("Choose a workbook to import."))
    upload = form.file.data
    result = importers.import_conflicts(upload.read(), filename=upload.filename or "conflicts.xlsx",
                                        actor=current_user)
    db.session.commit()
    flash(_("Conflicts imported: %(created)d added, %(unchanged)d already declared.",
            created=result.created, unchanged=result.unchanged), "success")
    return redirect(url_for("campaigns.conflicts"))


@bp.route("/conflicts/template.xlsx")
@roles_required(*STAFF)
def conflicts_template() -> t.Any:
    _require_city_manager()
    return _xlsx(importers.conflict_template(), "利害关系回避导入模板.xlsx")
