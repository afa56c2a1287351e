"""Survey rounds for staff: open a round, its rates, posters and workbook."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Response
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..campaigns.models import Campaign
from ..campaigns.permissions import campaign_filter
from ..checklists.models import ChecklistVersion
from ..core import downloads
from ..core.forms import checked
from ..core.forms import given_date
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..db import local_today
from ..errors import ValidationFailed
from ..extensions import db
from . import exports
from . import posters
from . import services
from . import views_interviews as views_interviews
from .blueprint import bp as bp
from .blueprint import load_round
from .figures import round_figures
from .forms import DatesForm
from .forms import RoundForm
from .models import SurveyLink
from .models import SurveyWay
from .permissions import can_manage_round
from .permissions import can_open_round
from .permissions import can_view_link
from .permissions import can_view_round

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    campaigns = list(db.session.scalars(sa.select(Campaign).where(campaign_filter(current_user))
                                        .order_by(Campaign.id.desc())))
    rounds = {c.id: [r for r in services.rounds_of(c) if can_view_round(current_user, r)] for c in campaigns}
    return render_template("surveys/index.html", campaigns=campaigns, rounds=rounds,
                           can_open={c.id: can_open_round(current_user, c) for c in campaigns})


def _version_choices() -> list[tuple[int, str]]:
    return [(0, _("(none)"))] + [(v.id, f"{v.display_title} · {v.version}") for v in services.survey_versions()]


def _version(version_id: int) -> ChecklistVersion | None:
    return db.session.get(ChecklistVersion, version_id) if version_id else None


@bp.route("/new/<int:campaign_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new(campaign_id: int) -> t.Any:
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure(can_open_round(current_user, campaign))
    form = RoundForm()
    form.student_version_id.choices = form.parent_version_id.choices = _version_choices()
    if form.validate_on_submit():
        details = services.RoundDetails(
            title=form.title.data or "", opens_on=given_date(form.opens_on), closes_on=given_date(form.closes_on),
            student_version=_version(form.student_version_id.data or 0),
            parent_version=_version(form.parent_version_id.data or 0),
            sampling_frame=form.sampling_frame.data or "", target_size=form.target_size.data or 0,
            min_size=form.min_size.data or 0, collector=form.collector.data or "",
            knowledge_threshold=form.knowledge_threshold.data or 2,
        )
        try:
            survey = services.create_round(campaign, details, actor=current_user)
        except ValidationFailed as err:
            # What only the service can tell is shown above the form, which keeps what was typed.
            db.session.rollback()
            form.form_errors.extend([err.message, *err.details])
        else:
            db.session.commit()
            flash(_("Survey round opened: each school has its link and poster."), "success")
            return redirect(url_for("surveys.show", round_id=survey.id))
    elif not form.is_submitted():
        versions = services.survey_versions()
        form.title.data = _("Student aid awareness and satisfaction survey · %(campaign)s", campaign=campaign.name)
        form.opens_on.data = campaign.starts_on or local_today()
        form.closes_on.data = campaign.ends_on or local_today()
        form.target_size.data, form.min_size.data = 30, 20
        for v in versions:
            if v.checklist.form_id.endswith("students"):
                form.student_version_id.data = v.id
            elif v.checklist.form_id.endswith("parents"):
                form.parent_version_id.data = v.id
    return render_template("surveys/new.html", campaign=campaign, form=form), 422 if request.method == "POST" else 200


@bp.route("/<int:round_id>")
@roles_required(*STAFF)
def show(round_id: int) -> t.Any:
    survey = load_round(round_id)
    figures = round_figures(survey, current_user)
    return render_template("surveys/show.html", survey=survey, figures=figures, today=local_today(),
                           can_manage=can_manage_round(current_user, survey), dates_form=DatesForm(),
                           ways=list(SurveyWay))


@bp.post("/<int:round_id>/dates")
@roles_required(*MANAGERS)
def dates(round_id: int) -> t.Any:
    survey = load_round(round_id)
    ensure(can_manage_round(current_user, survey))
    form = checked(DatesForm())
    services.change_dates(survey, given_date(form.opens_on), given_date(form.closes_on), actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("surveys.show", round_id=survey.id))


@bp.route("/<int:round_id>/export.xlsx")
@roles_required(*STAFF)
def export(round_id: int) -> Response:
    survey = load_round(round_id)
    figures = round_figures(survey, current_user)
    return downloads.file_response(lambda out: exports.write_workbook(figures, out), mimetype=downloads.XLSX_MIME,
                                   filename=f"问卷调查_{survey.campaign.code}_{survey.id}.xlsx")


@bp.route("/<int:round_id>/poster/<int:link_id>.<any(png, docx):fmt>")
@roles_required(*STAFF)
def poster(round_id: int, link_id: int, fmt: str) -> Response:
    link = db.get_or_404(SurveyLink, link_id)
    ensure(link.round_id == round_id and can_view_link(current_user, link))
    url = url_for("survey_public.start", token=link.token, _external=True)
    name = f"问卷海报_{link.school.name}"
    if fmt == "png":
        response = Response(posters.poster_png(link, url), mimetype="image/png")
        downloads.name_attachment(response, f"{name}.png")
    else:
        response = Response(posters.poster_docx(link, url), mimetype=DOCX_MIME)
        downloads.name_attachment(response, f"{name}.docx")
    return response
