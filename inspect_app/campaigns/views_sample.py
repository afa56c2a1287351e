"""The campaign's sample tab: preview a stratified draw of schools, then make it the campaign's."""

from __future__ import annotations

import re
import typing as t

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..core.permissions import STAFF
from ..core.permissions import roles_required
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import SchoolLevel
from ..schools.services import counties
from . import sample_draw
from .blueprint import bp
from .blueprint import form_errors
from .blueprint import load_campaign
from .forms import SampleForm
from .models import Campaign


def _codes(text: str | None) -> list[str]:
    return [code for code in re.split(r"[\s,，、;；]+", text or "") if code]


def _sample_request(form: SampleForm) -> sample_draw.SampleRequest:
    return sample_draw.SampleRequest(
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
    campaign = load_campaign(campaign_id, manage=True)
    if request.method == "POST":
        form = _sample_form(campaign, request.form)
        if not form.validate():
            raise ValidationFailed(_("The sample was not drawn."), details=form_errors(form))
        result = sample_draw.draw_sample(campaign, _sample_request(form))
        added, removed = sample_draw.apply_sample(campaign, result, actor=current_user)
        db.session.commit()
        flash(_("Sample drawn with seed %(seed)d: %(n)d school(s), %(added)d added, %(removed)d removed.",
                seed=result.request.seed, n=len(result.schools), added=added, removed=removed), "success")
        return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    previous = campaign.sample or {}
    drawing = "seed" in request.args
    form = _sample_form(campaign, request.args if drawing else None, meta={"csrf": False},
                        data=None if drawing else {
                            "seed": sample_draw.new_seed(), "minimum": previous.get("minimum", 1),
                            "size": previous.get("size"), "counties": previous.get("county_ids", []),
                            "levels": previous.get("levels", []),
                            "include": "\n".join(previous.get("include", [])),
                            "exclude": "\n".join(previous.get("exclude", [])),
                            "include_open_problems": previous.get("include_open_problems", False)})
    preview: sample_draw.SampleResult | None = None
    problem: ServiceError | None = None
    if drawing and form.validate():
        try:
            preview = sample_draw.draw_sample(campaign, _sample_request(form))
        except ServiceError as err:
            problem = err
    return render_template("campaigns/sample.html", campaign=campaign, form=form, result=preview, problem=problem,
                           previous=previous, manage=True, tab="sample",
                           open_problems=len(sample_draw.open_problem_school_ids(campaign)))
