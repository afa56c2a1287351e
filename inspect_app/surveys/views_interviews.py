"""Telephone interviews of a round: drawing the sample, the call sheet (page and workbook), and each call.

Only a supervisor who manages the round's campaign sees these pages: they name the people drawn.
"""

from __future__ import annotations

import typing as t

from flask import Response
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..core import downloads
from ..core.permissions import MANAGERS
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..db import local_today
from ..errors import ValidationFailed
from ..extensions import db
from . import interviews
from .blueprint import bp
from .blueprint import load_round
from .figures import round_figures
from .forms import CallForm
from .forms import DrawForm
from .interview_sheet import sheet_name
from .interview_sheet import write_call_sheet
from .models import Audience
from .models import CallOutcome
from .models import InterviewCall
from .models import SurveyRound


def _errors(form: t.Any) -> list[str]:
    """A refused form's errors, each naming its field."""
    return [_("%(field)s: %(error)s", field=form[name].label.text, error=error) if name in form else str(error)
            for name, errors in form.errors.items() for error in errors]


def _outcome_filter() -> CallOutcome | None:
    value = request.args.get("outcome") or ""
    return CallOutcome(value) if value in {o.value for o in CallOutcome} else None


def _draw_form(survey: SurveyRound) -> DrawForm:
    form = DrawForm()
    form.run_id.choices = [SelectChoice(run_id, label) for run_id, label in interviews.frames(survey, current_user)]
    return form


def _page(survey: SurveyRound, form: DrawForm, status: int = 200, problems: list[str] | None = None) -> t.Any:
    outcome = _outcome_filter()
    page = db.paginate(interviews.calls_query(survey, outcome=outcome), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    figures = round_figures(survey, current_user)
    return render_template("surveys/interviews.html", survey=survey, form=form, page=page, outcome=outcome,
                           outcomes=list(CallOutcome), figures=figures, problems=problems or [],
                           can_draw=interviews.can_redraw(survey), today=local_today()), status


@bp.route("/<int:round_id>/interviews")
@roles_required(*MANAGERS)
def interviews_page(round_id: int) -> t.Any:
    survey = load_round(round_id, manage=True)
    form = _draw_form(survey)
    if survey.interview_frame:
        form.size.data = survey.interview_frame.get("size", form.size.data)
        form.minimum.data = survey.interview_frame.get("minimum", form.minimum.data)
    return _page(survey, form)


@bp.post("/<int:round_id>/interviews/draw")
@roles_required(*MANAGERS)
def draw_interviews(round_id: int) -> t.Any:
    survey = load_round(round_id, manage=True)
    form = _draw_form(survey)
    if not form.validate():
        return _page(survey, form, 400, _errors(form))
    try:
        drawn = interviews.draw_sample(survey, run_id=form.run_id.data or 0, size=form.size.data or 0,
                                       minimum=form.minimum.data or 0, seed=form.seed.data, actor=current_user)
    except ValidationFailed as err:
        db.session.rollback()
        return _page(survey, form, err.status_code, [err.message, *err.details])
    db.session.commit()
    flash(_("%(n)d people drawn for telephone interviews (seed %(seed)d).", n=drawn, seed=survey.interview_seed or 0),
          "success")
    return redirect(url_for("surveys.interviews_page", round_id=survey.id))


@bp.route("/<int:round_id>/interviews.xlsx")
@roles_required(*MANAGERS)
def call_sheet(round_id: int) -> Response:
    survey = load_round(round_id, manage=True)
    return downloads.file_response(lambda out: write_call_sheet(survey, out), mimetype=downloads.XLSX_MIME,
                                   filename=sheet_name(survey))


def _call(survey: SurveyRound, call_id: int) -> InterviewCall:
    call = db.get_or_404(InterviewCall, call_id)
    ensure(call.round_id == survey.id)
    return call


def _audience(survey: SurveyRound, value: str | None) -> Audience:
    """The questionnaire asked: the one named if the round has it, else the parents' (the guardian answers)."""
    for audience in survey.audiences:
        if audience.value == value:
            return audience
    return Audience.PARENT if Audience.PARENT in survey.audiences else survey.audiences[0]


def _call_page(survey: SurveyRound, call: InterviewCall, form: CallForm, audience: Audience, *, status: int = 200,
               answers: dict[str, list[str]] | None = None, errors: dict[str, str] | None = None,
               problems: list[str] | None = None) -> t.Any:
    return render_template("surveys/call.html", survey=survey, call=call, form=form, audience=audience,
                           answers=answers or {}, errors=errors or {}, problems=problems or [],
                           today=local_today()), status


@bp.route("/<int:round_id>/interviews/<int:call_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def call(round_id: int, call_id: int) -> t.Any:
    survey = load_round(round_id, manage=True)
    call = _call(survey, call_id)
    form = CallForm()
    form.audience.choices = [SelectChoice(a.value, a.label) for a in survey.audiences]
    if request.method == "GET":
        return _call_page(survey, call, form, _audience(survey, request.args.get("audience")))
    audience = _audience(survey, request.form.get("audience"))
    answers = {key: request.form.getlist(key) for key in request.form if key not in form}
    if not form.validate():
        return _call_page(survey, call, form, audience, status=400, answers=answers, problems=_errors(form))
    outcome = CallOutcome(form.outcome.data)
    errors = interviews.record_call(call, outcome=outcome, audience=audience, form=request.form,
                                    note=form.note.data or "", actor=current_user)
    if errors:
        db.session.rollback()
        return _call_page(survey, call, form, audience, status=400, answers=answers, errors=errors,
                          problems=[_("Some answers are missing or not accepted; see the marked questions.")])
    db.session.commit()
    flash(_("Call %(n)d recorded: %(outcome)s.", n=call.position, outcome=outcome.label), "success")
    return redirect(url_for("surveys.interviews_page", round_id=survey.id, outcome=CallOutcome.PENDING.value))
