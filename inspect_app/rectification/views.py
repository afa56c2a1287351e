from __future__ import annotations

import typing as t
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from ..auth.models import Role
from ..campaigns.models import Campaign
from ..campaigns.permissions import campaign_filter
from ..checklists.models import Severity
from ..core import downloads
from ..core.forms import checked
from ..core.forms import given_date
from ..core.forms import text
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..db import local_today
from ..errors import ValidationFailed
from ..extensions import db
from ..findings import comments as finding_comments
from ..findings import services as finding_services
from ..findings.models import Finding
from ..findings.permissions import can_comment_on_finding
from ..findings.permissions import can_view_finding
from ..schools import regions
from ..schools.models import SchoolLevel
from ..schools.regions import visible_cities
from ..schools.services import counties
from . import evidence
from . import ledger
from . import services
from .forms import BulkForm
from .forms import DeadlineForm
from .forms import ExtensionDecisionForm
from .forms import ExtensionRequestForm
from .forms import MeasuresForm
from .forms import ResponsibleForm
from .forms import VerifyForm
from .models import ExtensionRequest
from .models import Rectification
from .models import RectificationStatus
from .permissions import can_verify_rectification
from .permissions import can_work_on_rectification

bp = Blueprint("rectification", __name__, url_prefix="/rectification", template_folder="templates")


def _rect(rect_id: int) -> Rectification:
    rect = db.get_or_404(Rectification, rect_id)
    ensure(can_view_finding(current_user, rect.finding))
    return rect


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    filters = services.RectFilter.from_args(request.args)
    page = db.paginate(services.rectification_query(current_user, filters),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    campaigns = db.session.scalars(sa.select(Campaign).where(campaign_filter(current_user))
                                   .order_by(Campaign.id.desc())).all()
    return render_template(
        "rectification/index.html", page=page, filters=filters, campaigns=campaigns, counties=counties(current_user),
        cities=visible_cities(current_user),
        levels=list(SchoolLevel), sections=services.section_choices(), severities=list(Severity),
        statuses=list(RectificationStatus), pending=services.pending_extension_ids(r.id for r in page.items),
        can_bulk=current_user.role in MANAGERS, bulk_actions=services.BULK_ACTIONS,
    )


@bp.route("/ledger.<any(xlsx, csv):fmt>")
@roles_required(*STAFF)
def ledger_export(fmt: str) -> t.Any:
    filters = services.RectFilter.from_args(request.args)
    data = ledger.build_ledger(current_user, filters)
    name = ledger.filename(filters, fmt)
    if fmt == "csv":
        # The rows are read as they are sent, after the request is over: each chunk in a context of its own.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return downloads.csv_response(ledger.csv_lines(data, app.app_context), name)
    title = ledger.ledger_title(filters, current_user)
    creator = regions.issuer(regions.city_of(current_user)).org_name
    return downloads.file_response(lambda out: ledger.write_xlsx(data, out, title=title, creator=creator),
                                   mimetype=ledger.XLSX_MIME, filename=name)


@bp.post("/bulk")
@roles_required(*MANAGERS)
def bulk() -> t.Any:
    form = checked(BulkForm())
    ids: set[int] = form.rect_id.data or set()
    rects = list(db.session.scalars(
        services.rectification_query(current_user).where(Rectification.id.in_(ids))).unique()) if ids else []
    # A ticked row the user may not see is not theirs to change: refuse as if it did not exist.
    ensure(len(rects) == len(ids) and all(can_verify_rectification(current_user, r) for r in rects))
    spec = services.BulkAction(action=text(form.action), note=text(form.note), due_on=form.due_on.data,
                               unit=text(form.unit), person=text(form.person))
    n = services.bulk_apply(rects, spec, actor=current_user)
    db.session.commit()
    flash(_("%(n)d rectification(s) changed.", n=n), "success")
    return redirect(request.referrer or url_for("rectification.index"))


@bp.route("/mine")
@roles_required(Role.SCHOOL)
def mine() -> t.Any:
    page = db.paginate(services.rectification_query(current_user), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    # Every campaign that found problems here, not only those on this page: each has its documents.
    campaigns = db.session.scalars(
        sa.select(Campaign).where(Campaign.id.in_(services.scoped(current_user, None, Finding.campaign_id)))
        .order_by(Campaign.id.desc())).all()
    return render_template("rectification/mine.html", rects=page.items, page=page, campaigns=campaigns,
                           pending=services.pending_extension_ids(r.id for r in page.items))


@bp.route("/<int:rect_id>")
@login_required
def show(rect_id: int) -> t.Any:
    return _page(_rect(rect_id))


def _page(rect: Rectification, *, measures_form: MeasuresForm | None = None) -> str:
    """The rectification's page; with ``measures_form``, the measures as typed and the reasons they were refused."""
    finding = rect.finding
    inspection_photos = finding_services.finding_photos(finding)
    return render_template(
        "rectification/show.html", rect=rect, finding=finding, inspection_photos=inspection_photos,
        measures_form=measures_form,
        evidence=evidence.evidence([rect.id])[rect.id],
        history=evidence.history(rect),
        comments=finding_comments.comments([finding.id])[finding.id],
        can_comment=can_comment_on_finding(current_user, finding),
        extensions=rect.extension_requests, pending=services.pending_extension(rect),
        extension_min=max(rect.due_on + timedelta(days=1), local_today()),
        can_work=can_work_on_rectification(current_user, rect),
        can_verify=can_verify_rectification(current_user, rect),
    )


def _workable(rect_id: int) -> Rectification:
    rect = _rect(rect_id)
    ensure(can_work_on_rectification(current_user, rect))
    return rect


def _verifiable(rect_id: int) -> Rectification:
    rect = _rect(rect_id)
    ensure(can_verify_rectification(current_user, rect))
    return rect


def _back(rect: Rectification, anchor: str = "") -> t.Any:
    return redirect(url_for("rectification.show", rect_id=rect.id) + anchor)


@bp.post("/<int:rect_id>/measures")
@roles_required(Role.SCHOOL)
def save_measures(rect_id: int) -> t.Any:
    rect = _workable(rect_id)
    form = MeasuresForm()
    if not form.validate() and form.measures.errors:
        return _page(rect, measures_form=form), 400
    checked(form)
    services.save_measures(rect, measures=text(form.measures), actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return _back(rect)


@bp.post("/<int:rect_id>/evidence")
@roles_required(Role.SCHOOL)
def add_evidence(rect_id: int) -> t.Any:
    rect = _workable(rect_id)
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    if not uploads:
        raise ValidationFailed(_("Choose a photo or PDF to upload."))
    for upload in uploads:
        evidence.add_evidence(rect, upload.read(), filename=upload.filename or "upload", actor=current_user)
    db.session.commit()
    flash(_("%(n)d file(s) uploaded.", n=len(uploads)), "success")
    return _back(rect, "#evidence")


@bp.post("/<int:rect_id>/submit")
@roles_required(Role.SCHOOL)
def submit(rect_id: int) -> t.Any:
    rect = _workable(rect_id)
    services.submit(rect, actor=current_user)
    db.session.commit()
    flash(_("Submitted for verification."), "success")
    return redirect(url_for("rectification.mine"))


@bp.post("/<int:rect_id>/extension")
@roles_required(Role.SCHOOL)
def request_extension(rect_id: int) -> t.Any:
    rect = _workable(rect_id)
    form = checked(ExtensionRequestForm())
    services.request_extension(rect, reason=text(form.reason), proposed_due_on=given_date(form.proposed_due_on),
                               actor=current_user)
    db.session.commit()
    flash(_("Extension requested; the supervisors have been told."), "success")
    return _back(rect, "#extensions")


def _extension(rect: Rectification, request_id: int) -> ExtensionRequest:
    extension = db.get_or_404(ExtensionRequest, request_id)
    ensure(extension.rectification_id == rect.id)
    return extension


@bp.post("/<int:rect_id>/extension/<int:request_id>/withdraw")
@roles_required(Role.SCHOOL)
def withdraw_extension(rect_id: int, request_id: int) -> t.Any:
    rect = _workable(rect_id)
    services.withdraw_extension(_extension(rect, request_id), actor=current_user)
    db.session.commit()
    flash(_("Extension request withdrawn."), "success")
    return _back(rect, "#extensions")


@bp.post("/<int:rect_id>/extension/<int:request_id>/decide")
@roles_required(*MANAGERS)
def decide_extension(rect_id: int, request_id: int) -> t.Any:
    rect = _verifiable(rect_id)
    extension = _extension(rect, request_id)
    form = checked(ExtensionDecisionForm())
    note, decision = text(form.note), form.decision.data
    if decision == "approve":
        due_on = given_date(form.due_on)
        services.approve_extension(extension, due_on=due_on, note=note, actor=current_user)
        message = _("Extension approved; the new deadline is %(date)s.", date=due_on.isoformat())
    elif decision == "reject":
        services.reject_extension(extension, note=note, actor=current_user)
        message = _("Extension rejected.")
    else:
        raise ValidationFailed(_("Choose approve or reject."))
    db.session.commit()
    flash(message, "success")
    return _back(rect, "#extensions")


@bp.post("/<int:rect_id>/verify")
@roles_required(*MANAGERS)
def verify(rect_id: int) -> t.Any:
    rect = _verifiable(rect_id)
    form = checked(VerifyForm())
    decision, note = form.decision.data, text(form.note)
    if decision == "close":
        services.close(rect, note=note, actor=current_user)
        message = _("Verified and closed.")
    elif decision == "return":
        services.return_to_school(rect, reason=note, actor=current_user)
        message = _("Returned to the school.")
    elif decision == "partial":
        services.mark_partial(rect, note=note, actor=current_user)
        message = _("Recorded as partly rectified.")
    else:
        raise ValidationFailed(_("Choose close, return or partly rectified."))
    db.session.commit()
    flash(message, "success")
    return _back(rect)


@bp.post("/<int:rect_id>/deadline")
@roles_required(*MANAGERS)
def deadline(rect_id: int) -> t.Any:
    rect = _verifiable(rect_id)
    form = checked(DeadlineForm())
    services.set_due_on(rect, given_date(form.due_on), actor=current_user)
    db.session.commit()
    flash(_("Deadline changed."), "success")
    return _back(rect)


@bp.post("/<int:rect_id>/responsible")
@roles_required(*MANAGERS)
def responsible(rect_id: int) -> t.Any:
    rect = _verifiable(rect_id)
    form = checked(ResponsibleForm())
    services.set_responsible(rect, unit=form.unit.data, person=form.person.data, actor=current_user)
    db.session.commit()
    flash(_("Responsible unit and person saved."), "success")
    return _back(rect)
