from __future__ import annotations

import io
import typing as t
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.models import Role
from ..campaigns.models import Campaign
from ..campaigns.models import CampaignStatus
from ..campaigns.permissions import campaign_filter
from ..core import storage
from ..core.inputs import MAX_ID
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import in_region
from ..core.permissions import roles_required
from ..db import local_today
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import csrf
from ..extensions import db
from ..funds.programmes import Semester
from ..schools.models import County
from ..visits.models import Visit
from ..visits.models import VisitInspector
from . import checks
from . import jobs
from . import permissions
from . import precision as precision_service
from . import services
from .fields import GROUP_ZH
from .fields import InputKind
from .fields import SpecialGroup
from .fields import input_label
from .forms import NewRunForm
from .forms import RaiseFindingsForm
from .models import Discrepancy
from .models import ReconciliationRun
from .models import RunStatus

bp = Blueprint("rosters", __name__, url_prefix="/rosters", template_folder="templates")
bp.add_app_template_global(input_label, "input_label")

READERS = (*STAFF, Role.INSPECTOR)
STARTERS = (Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A run still queued or checking this long after it was created has lost its worker (a restart).
STALE_AFTER = timedelta(minutes=15)


def _run(run_id: int, *, manage: bool = False) -> ReconciliationRun:
    run = db.get_or_404(ReconciliationRun, run_id)
    ensure(permissions.can_view_run(current_user, run))
    if manage and not permissions.can_manage_run(current_user, run):
        abort(403)
    return run


def _campaigns() -> list[Campaign]:
    """Campaigns under way whose visits the user may raise findings on."""
    stmt = sa.select(Campaign).where(Campaign.status == CampaignStatus.ACTIVE).order_by(Campaign.id.desc())
    if current_user.role == Role.INSPECTOR:
        mine = sa.select(Visit.campaign_id).join(VisitInspector, VisitInspector.visit_id == Visit.id).where(
            VisitInspector.user_id == current_user.id)
        stmt = stmt.where(Campaign.id.in_(mine))
    else:
        stmt = stmt.where(campaign_filter(current_user))
    return list(db.session.scalars(stmt))


def _counties() -> list[County]:
    stmt = sa.select(County).order_by(County.position, County.id)
    if current_user.role != Role.INSPECTOR:
        stmt = stmt.where(in_region(current_user, County.id))
    return list(db.session.scalars(stmt))


def _new_form() -> NewRunForm:
    form = NewRunForm()
    counties = _counties()
    whole = _("The whole province") if current_user.level == "province" and current_user.role != Role.ADMIN \
        else _("The whole city")
    city = [] if current_user.role == Role.SUPERVISOR and current_user.county_id else [(0, whole)]
    form.county_id.choices = [SelectChoice(v, label) for v, label in city + [(c.id, c.name) for c in counties]]
    form.campaign_id.choices = [SelectChoice(0, _("None yet"))] + [SelectChoice(c.id, c.label) for c in _campaigns()]
    form.special_group.choices = [SelectChoice("", _("Recognise from the file"))] + [
        SelectChoice(g.value, GROUP_ZH[g]) for g in SpecialGroup]
    if not form.semester.data:
        form.semester.data = str(Semester.containing(local_today()))
    return form


@bp.route("/")
@roles_required(*READERS)
def index() -> t.Any:
    page = db.paginate(permissions.run_query(current_user), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("rosters/index.html", page=page, can_start=permissions.can_start_runs(current_user))


@bp.route("/precision")
@roles_required(*STAFF)
def precision() -> t.Any:
    """资助精准率 and 漏助率 of a semester, by county and school; a county's staff see their county only."""
    terms = precision_service.semesters()
    chosen = request.args.get("semester", "").strip()
    semester = precision_service.parse(chosen) if chosen else (terms[0] if terms else None)
    if chosen and semester is None:
        abort(404)
    figures = precision_service.compute(semester, counties=current_user.scope_county_ids) if semester else None
    if request.args.get("format") == "json":
        return jsonify(figures.as_json() if figures else None)
    return render_template("rosters/precision.html", figures=figures, semesters=terms, semester=semester,
                           codes=[(code, checks.title(code)) for code in checks.CHECKS
                                  if code in checks.PRECISION_CODES])


@bp.route("/new", methods=["GET", "POST"])
@csrf.exempt
@roles_required(*STARTERS)
def new() -> t.Any:
    # Rosters of 100,000 rows run to tens of megabytes: a larger limit here, then the CSRF check by hand.
    request.max_content_length = current_app.config["MAX_ROSTER_UPLOAD_BYTES"]
    if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    form = _new_form()
    if form.validate_on_submit():
        county = db.session.get(County, form.county_id.data) if form.county_id.data else None
        campaign = db.session.get(Campaign, form.campaign_id.data) if form.campaign_id.data else None
        group = SpecialGroup(form.special_group.data) if form.special_group.data else None
        uploads = [services.Upload(InputKind.ROSTER, form.roster.data.filename or "roster.xlsx",
                                   form.roster.data.read())]
        for kind, field in ((InputKind.SYSTEM, form.system), (InputKind.ENROLMENT, form.enrolment),
                            (InputKind.REPORTED, form.reported)):
            if field.data and getattr(field.data, "filename", ""):
                uploads.append(services.Upload(kind, field.data.filename, field.data.read()))
        for item in form.special.data or []:
            if getattr(item, "filename", ""):
                uploads.append(services.Upload(InputKind.SPECIAL, item.filename, item.read(), group))
        run = services.create_run(semester=form.semester.data or "", uploads=uploads, county=county,
                                  campaign=campaign, title=form.title.data or "", actor=current_user)
        db.session.commit()
        jobs.submit(run.id)
        target = url_for("rosters.show", run_id=run.id)
        if request.accept_mimetypes.best == "application/json":
            return jsonify(run=run.id, url=target, status_url=url_for("rosters.status", run_id=run.id))
        return redirect(target)
    if request.method == "POST" and request.accept_mimetypes.best == "application/json":
        errors = [f"{getattr(form, name).label.text}: {message}" for name, messages in form.errors.items()
                  for message in messages]
        return jsonify(error=_("The form has problems."), details=errors), 400
    return render_template("rosters/new.html", form=form,
                           max_mb=current_app.config["MAX_ROSTER_UPLOAD_BYTES"] // (1024 * 1024))


def _stale(run: ReconciliationRun) -> bool:
    return run.status.pending and utcnow() - run.created_at > STALE_AFTER


@bp.route("/runs/<int:run_id>")
@roles_required(*READERS)
def show(run_id: int) -> t.Any:
    run = _run(run_id)
    summary = run.summary or {}
    counts = summary.get("counts", {})
    rows = [(code, checks.CHECKS[code], counts.get(code, 0)) for code in checks.CHECKS
            if code in counts or code in summary.get("checked", [])]
    mapping_inputs = [i for i in run.inputs if run.status == RunStatus.NEEDS_MAPPING and i.headers
                      and any(e["file"] == i.original_name for e in run.errors or [])]
    return render_template(
        "rosters/show.html", run=run, rows=rows, summary=summary, stale=_stale(run),
        can_manage=permissions.can_manage_run(current_user, run), mapping_inputs=mapping_inputs,
        field_choices={i.id: services.field_choices(i.kind) for i in mapping_inputs},
        can_record=current_user.role == Role.ADMIN or (current_user.role == Role.SUPERVISOR
                                                       and current_user.county_id is None),
        semester=Semester.from_key(run.semester_key),
    )


@bp.route("/runs/<int:run_id>/status")
@roles_required(*READERS)
def status(run_id: int) -> t.Any:
    run = _run(run_id)
    return jsonify(status=run.status.value, label=run.status.label, progress=run.progress, stage=run.stage or "",
                   pending=run.status.pending and not _stale(run), url=url_for("rosters.show", run_id=run.id))


@bp.post("/runs/<int:run_id>/mapping")
@roles_required(*STARTERS)
def mapping(run_id: int) -> t.Any:
    run = _run(run_id, manage=True)
    chosen: dict[int, dict[str, str]] = {}
    for item in run.inputs:
        for n, header in enumerate(item.headers or []):
            value = request.form.get(f"map-{item.id}-{n}")
            if value is not None:
                chosen.setdefault(item.id, {})[header] = value
    services.set_mappings(run, chosen, actor=current_user)
    db.session.commit()
    jobs.submit(run.id)
    return redirect(url_for("rosters.show", run_id=run.id))


@bp.post("/runs/<int:run_id>/rerun")
@roles_required(*STARTERS)
def rerun(run_id: int) -> t.Any:
    run = _run(run_id, manage=True)
    if _stale(run):
        run.status = RunStatus.FAILED
    again = services.rerun(run, actor=current_user)
    db.session.commit()
    jobs.submit(again.id)
    return redirect(url_for("rosters.show", run_id=again.id))


def _filters() -> dict[str, t.Any]:
    code = request.args.get("code") or None
    return {"code": code if code in checks.CHECKS else None, "school_key": request.args.get("school") or None,
            "q": (request.args.get("q") or "").strip() or None}


@bp.route("/runs/<int:run_id>/discrepancies")
@roles_required(*READERS)
def discrepancies(run_id: int) -> t.Any:
    run = _run(run_id)
    filters = _filters()
    page = db.paginate(services.discrepancy_query(run, **filters), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    schools = (run.summary or {}).get("schools", [])
    return render_template("rosters/discrepancies.html", run=run, page=page, filters=filters, schools=schools,
                           checks=checks, codes=list((run.summary or {}).get("counts", {})),
                           can_manage=permissions.can_manage_run(current_user, run), campaigns=_campaigns(),
                           whole_ids=permissions.sees_id_numbers(current_user, run))


@bp.route("/runs/<int:run_id>/discrepancies.xlsx")
@roles_required(*READERS)
def export(run_id: int) -> t.Any:
    run = _run(run_id)
    items = list(db.session.scalars(services.discrepancy_query(run, **_filters())))
    data = services.export_run(run, items, viewer=current_user)
    return send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX,
                     download_name=f"花名册比对-{run.id}-{run.semester}.xlsx")


@bp.post("/runs/<int:run_id>/findings")
@roles_required(*STARTERS)
def findings(run_id: int) -> t.Any:
    run = _run(run_id, manage=True)
    form = RaiseFindingsForm()
    form.validate()
    campaign_id = form.campaign_id.data if not form.campaign_id.errors else None
    campaign = db.session.get(Campaign, campaign_id or 0)
    if campaign is None or campaign not in _campaigns():
        raise ValidationFailed(_("Choose a campaign under way for the findings."))
    ids = [] if form.discrepancy.errors else [i for i in form.discrepancy.data or [] if 0 < i <= MAX_ID]
    chosen = list(db.session.scalars(sa.select(Discrepancy).where(Discrepancy.run_id == run.id,
                                                                 Discrepancy.id.in_(ids))))
    raised = services.make_findings(run, chosen, campaign=campaign, actor=current_user)
    db.session.commit()
    flash(_("%(n)d finding(s) raised on the schools' visits, with the rows attached.", n=len(raised)), "success")
    return redirect(request.referrer or url_for("rosters.discrepancies", run_id=run.id))


@bp.post("/runs/<int:run_id>/payments")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def payments(run_id: int) -> t.Any:
    run = _run(run_id)
    if current_user.role == Role.SUPERVISOR and current_user.county_id is not None:
        abort(403)
    written = services.record_payments(run, actor=current_user)
    db.session.commit()
    flash(_("Payments recorded for %(semester)s: %(n)d line(s) changed.", semester=run.semester, n=written),
          "success")
    return redirect(url_for("funds.index", semester=run.semester))


@bp.route("/runs/<int:run_id>/inputs/<int:input_id>")
@roles_required(*READERS)
def input_file(run_id: int, input_id: int) -> t.Any:
    run = _run(run_id)
    item = next((i for i in run.inputs if i.id == input_id), None)
    ensure(item is not None)
    assert item is not None
    if not storage.area("uploads").exists(item.path):
        abort(404)
    return storage.serve("uploads", item.path, filename=item.original_name,
                         mimetype="text/csv" if item.original_name.lower().endswith(".csv") else XLSX)
