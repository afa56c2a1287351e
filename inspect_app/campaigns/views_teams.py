"""Campaign views for teams and who inspects what: the teams tab, team forms and import, bulk visit actions."""

from __future__ import annotations

import functools
import typing as t
from datetime import date

import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.models import User
from ..core.imports import import_upload
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..errors import ValidationFailed
from ..extensions import db
from . import auto_plan
from . import importers
from . import lifecycle
from . import team_builder
from . import teams as team_services
from .blueprint import bp
from .blueprint import form_errors
from .blueprint import inspector_label
from .blueprint import load_campaign
from .blueprint import load_team
from .blueprint import send_xlsx
from .conflicts import eligible_inspectors
from .forms import AutoAssignForm
from .forms import FormTeamsForm
from .forms import TeamForm
from .forms import UploadForm
from .forms import VisitBatchForm
from .models import Campaign
from .models import Team
from .models import Visit
from .permissions import can_manage_campaign


def _planned_on(form: VisitBatchForm) -> date | None:
    if form.planned_on.errors:
        raise ValidationFailed(form.planned_on.errors[0])
    return form.planned_on.day


@bp.post("/<int:campaign_id>/assign")
@roles_required(*STAFF)
def assign(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    form = VisitBatchForm()
    form.validate()  # a wrong day matters only to the actions that take one
    visits = team_services.selected_visits(campaign, form.visit_id.data or [], current_user)
    action = form.action.data or "assign"
    if action == "remove":
        for visit in visits:
            lifecycle.remove_visit(visit, actor=current_user)
        db.session.commit()
        flash(_("%(n)d visit(s) removed.", n=len(visits)), "success")
    elif action == "date":
        team_services.set_planned_date(visits, _planned_on(form), actor=current_user)
        db.session.commit()
        flash(_("%(n)d visit(s) scheduled.", n=len(visits)), "success")
    elif action == "team":
        team = load_team(campaign, form.team_id.data) if form.team_id.data else None
        changed = team_services.assign_team(visits, team, actor=current_user, planned_on=_planned_on(form))
        db.session.commit()
        if team is None:
            flash(_("%(n)d visit(s) no longer have a team.", n=changed), "success")
        else:
            flash(_("%(n)d visit(s) given to %(team)s.", n=changed, team=team.name), "success")
    else:
        inspector = db.session.get(User, form.inspector_id.data or 0)
        if inspector is None:
            raise ValidationFailed(_("Choose an inspector."))
        added = team_services.assign_inspector(visits, inspector, actor=current_user)
        db.session.commit()
        if added:
            flash(_("%(name)s assigned to %(n)d visit(s).", name=inspector.display_name, n=added), "success")
        else:
            flash(_("%(name)s was already assigned to these visits.", name=inspector.display_name), "info")
    return redirect(request.referrer or url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/visits/<int:visit_id>/unassign/<int:user_id>")
@roles_required(*STAFF)
def unassign(campaign_id: int, visit_id: int, user_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    visit = db.get_or_404(Visit, visit_id)
    ensure(visit.campaign_id == campaign.id)
    team_services.unassign_inspector(visit, db.get_or_404(User, user_id), actor=current_user)
    db.session.commit()
    return redirect(request.referrer or url_for("campaigns.show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/teams")
@roles_required(*STAFF)
def teams(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id)
    form = AutoAssignForm(data={"per_day": campaign.visits_per_day})
    return render_template("campaigns/teams.html", campaign=campaign,
                           rows=team_services.team_rows(campaign, current_user), form=form,
                           teams_form=FormTeamsForm(),
                           manage=can_manage_campaign(current_user, campaign),
                           unassigned=team_services.count_without_team(campaign, current_user), tab="teams")


def _team_form(campaign: Campaign, team: Team | None) -> TeamForm:
    current = None
    if team is not None and request.method == "GET":
        current = {"name": team.name, "leader_id": team.leader.id if team.leader else None,
                   "member_ids": [m.user_id for m in team.members]}
    form = TeamForm(data=current)
    taken = {m.user_id: other.name for other in campaign.teams if other is not team for m in other.members}
    people = eligible_inspectors(campaign)
    form.leader_id.choices = [SelectChoice(str(u.id), inspector_label(u)) for u in people if u.id not in taken]
    form.member_ids.choices = [SelectChoice(str(u.id), inspector_label(u)) for u in people if u.id not in taken]
    return form


def _save_team(campaign: Campaign, team: Team | None) -> t.Any:
    lifecycle.require_open(campaign)
    form = _team_form(campaign, team)
    if form.validate_on_submit():
        leader = db.get_or_404(User, form.leader_id.data)
        members = list(db.session.scalars(sa.select(User).where(User.id.in_(form.member_ids.data or []))))
        saved = team_services.save_team(campaign, name=form.name.data or "", leader=leader, members=members,
                                        actor=current_user, team=team)
        db.session.commit()
        flash(_("Team %(name)s saved with %(n)d member(s).", name=saved.name, n=len(saved.members)), "success")
        return redirect(url_for("campaigns.teams", campaign_id=campaign.id))
    return render_template("campaigns/team_form.html", campaign=campaign, form=form, team=team, manage=True,
                           tab="teams")


@bp.route("/<int:campaign_id>/teams/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def team_new(campaign_id: int) -> t.Any:
    return _save_team(load_campaign(campaign_id, manage=True), None)


@bp.route("/<int:campaign_id>/teams/<int:team_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def team_edit(campaign_id: int, team_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    return _save_team(campaign, load_team(campaign, team_id))


@bp.post("/<int:campaign_id>/teams/<int:team_id>/delete")
@roles_required(*STAFF)
def team_delete(campaign_id: int, team_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    team = load_team(campaign, team_id)
    name = team.name
    n = team_services.delete_team(team, actor=current_user)
    db.session.commit()
    flash(_("Team %(name)s deleted; %(n)d visit(s) need another team.", name=name, n=n), "success")
    return redirect(url_for("campaigns.teams", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/assign-teams")
@roles_required(*STAFF)
def auto_assign(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    form = AutoAssignForm()
    if not form.validate():
        raise ValidationFailed(_("Nothing was assigned."), details=form_errors(form))
    result = auto_plan.auto_assign(campaign, actor=current_user, per_day=form.per_day.data,
                                   replan=bool(form.replan.data))
    db.session.commit()
    flash(_("%(n)d visit(s) assigned to %(teams)d team(s); see the schedule.", n=result.assigned,
            teams=len(result.teams)), "success")
    return redirect(url_for("campaigns.schedule", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/teams/form")
@roles_required(*STAFF)
def teams_form(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    form = FormTeamsForm()
    if not form.validate():
        raise ValidationFailed(_("No team was formed."), details=form_errors(form))
    made = team_builder.form_teams(campaign, size=form.size.data or 0, actor=current_user)
    db.session.commit()
    flash(_("%(n)d team(s) formed from %(people)d inspector(s).", n=len(made),
            people=sum(len(team.members) for team in made)), "success")
    return redirect(url_for("campaigns.teams", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/teams/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def teams_import(campaign_id: int) -> t.Any:
    campaign = load_campaign(campaign_id, manage=True)
    form = UploadForm()
    done = import_upload(
        form, functools.partial(importers.import_teams, campaign, actor=current_user), default_name="teams.xlsx",
        done=lambda result: _("Teams imported: %(created)d added, %(updated)d changed, %(unchanged)d unchanged.",
                              created=result.created, updated=result.updated, unchanged=result.unchanged),
        next_url=url_for("campaigns.teams", campaign_id=campaign.id))
    if done is not None:
        return done
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
    campaign = load_campaign(campaign_id, manage=True)
    return send_xlsx(importers.team_template(campaign), f"{campaign.code}-检查组导入模板.xlsx")
