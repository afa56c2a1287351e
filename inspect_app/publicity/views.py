"""公示 pages: the notices of a school, making one from a checked roster, objections, and the documents.

Roles: administrators and supervisors (city-wide, or their county's schools) make notices and record
objections; a school's contact sees its own school's notices and records their objections; viewers
read within their scope. Inspectors do not use these pages (403): they see a school's 公示 records on
the page of a visit assigned to them, read-only (receivers.py).
"""

from __future__ import annotations

import typing as t

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
from wtforms.fields.choices import SelectChoice

from ..core.documents import pdf
from ..core.forms import checked
from ..core.forms import given_date
from ..core.forms import text
from ..core.inputs import query_id
from ..core.permissions import ensure
from ..core.permissions import in_region
from ..core.permissions import roles_required
from ..core.roles import Role
from ..errors import ServiceError
from ..extensions import db
from ..funds import services as funds
from ..rosters.models import ReconciliationRun
from ..schools import regions
from ..schools.models import School
from . import documents
from . import services
from .forms import HandlingForm
from .forms import NoticeForm
from .forms import ObjectionForm
from .models import Objection
from .models import ObjectionOutcome
from .models import PublicNotice

bp = Blueprint("publicity", __name__, url_prefix="/publicity", template_folder="templates")
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER, Role.SCHOOL)
MAKERS = (Role.ADMIN, Role.SUPERVISOR)
RECORDERS = (Role.ADMIN, Role.SUPERVISOR, Role.SCHOOL)
KINDS = ("notice", "cards")


class PdfNotAvailable(ServiceError):
    status_code = 503
    code = "pdf_unavailable"


@bp.app_context_processor
def _pdf_available() -> dict[str, t.Any]:
    return {"pdf_available": pdf.pdf_available}


def _school(school_id: int) -> School:
    school = db.get_or_404(School, school_id)
    ensure(services.can_view_publicity(current_user, school))
    return school


def _notice(notice_id: int) -> PublicNotice:
    notice = db.get_or_404(PublicNotice, notice_id)
    ensure(services.can_view_publicity(current_user, notice.school))
    return notice


@bp.route("/")
@roles_required(*READERS)
def index() -> t.Any:
    if current_user.role == Role.SCHOOL:
        return school(current_user.school_id)
    stmt = (sa.select(PublicNotice).join(School, School.id == PublicNotice.school_id)
            .order_by(PublicNotice.starts_on.desc(), PublicNotice.id.desc()))
    stmt = stmt.where(in_region(current_user, School.county_id))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("publicity/index.html", page=page, can_make=current_user.role in MAKERS)


def _runs() -> list[ReconciliationRun]:
    return services.usable_runs(current_user)


def _notice_form(runs: list[ReconciliationRun]) -> NoticeForm:
    form = NoticeForm()
    form.run_id.choices = [SelectChoice(r.id, f"{r.title}（{r.semester}）") for r in runs]
    chosen = next((r for r in runs if r.id == (form.run_id.data or request.args.get("run_id", type=query_id))),
                  runs[0] if runs else None)
    schools = [s for s in services.run_schools(chosen) if services.can_create_notice(current_user, s)] \
        if chosen else []
    form.school_id.choices = [SelectChoice(s.id, f"{s.name}（{s.code}）") for s in schools]
    if chosen is not None and request.method == "GET":
        form.run_id.data = chosen.id
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MAKERS)
def new() -> t.Any:
    runs = _runs()
    form = _notice_form(runs)
    if request.method == "POST":
        checked(form)
        run = next(r for r in runs if r.id == form.run_id.data)
        school = db.get_or_404(School, form.school_id.data)
        ensure(services.can_create_notice(current_user, school))
        notice = services.create_notice(
            run=run, school=school, starts_on=given_date(form.starts_on), ends_on=given_date(form.ends_on),
            contact_name=text(form.contact_name), contact_phone=text(form.contact_phone),
            payment_date=form.payment_date.data, actor=current_user)
        db.session.commit()
        flash(_("The 公示 of %(school)s lists %(n)d students.", school=school.name, n=notice.row_count), "success")
        return redirect(url_for("publicity.notice", notice_id=notice.id))
    return render_template("publicity/new.html", form=form, runs=runs)


@bp.route("/schools/<int:school_id>")
@roles_required(*READERS)
def school(school_id: int) -> t.Any:
    school = _school(school_id)
    return render_template("publicity/school.html", school=school, notices=services.school_notices(school),
                           can_make=services.can_create_notice(current_user, school))


@bp.route("/notices/<int:notice_id>")
@roles_required(*READERS)
def notice(notice_id: int) -> t.Any:
    notice = _notice(notice_id)
    can_record = services.can_record_objections(current_user, notice.school)
    return render_template("publicity/notice.html", notice=notice, can_record=can_record,
                           objection_form=ObjectionForm(), handling_form=HandlingForm(),
                           working_days=services.working_days(notice.starts_on, notice.ends_on),
                           tier_text=documents.tier_text)


@bp.route("/notices/<int:notice_id>/objections", methods=["POST"])
@roles_required(*RECORDERS)
def add_objection(notice_id: int) -> t.Any:
    notice = _notice(notice_id)
    ensure(services.can_record_objections(current_user, notice.school))
    form = checked(ObjectionForm())
    services.record_objection(notice, received_on=given_date(form.received_on), content=text(form.content),
                              raised_by=text(form.raised_by), actor=current_user)
    db.session.commit()
    flash(_("The objection is recorded."), "success")
    return redirect(url_for("publicity.notice", notice_id=notice.id, _anchor="objections"))


@bp.route("/objections/<int:objection_id>/handle", methods=["POST"])
@roles_required(*RECORDERS)
def handle_objection(objection_id: int) -> t.Any:
    objection = db.get_or_404(Objection, objection_id)
    notice = _notice(objection.notice_id)
    ensure(services.can_record_objections(current_user, notice.school))
    form = checked(HandlingForm())
    services.handle_objection(objection, handling=text(form.handling), outcome=ObjectionOutcome(form.outcome.data),
                              actor=current_user)
    db.session.commit()
    flash(_("The handling of the objection is recorded."), "success")
    return redirect(url_for("publicity.notice", notice_id=notice.id, _anchor=f"objection-{objection.id}"))


def _build(notice: PublicNotice, kind: str) -> bytes:
    if kind == "cards":
        settings = documents.Settings(org_name=regions.issuer(notice.school.county.city_id).org_name,
                                      helpline=current_app.config["HELPLINE"])
        return documents.render_cards(notice, funds.standards_table(), settings)
    return documents.render_notice(notice)


def _send(data: bytes, name: str, mimetype: str) -> t.Any:
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


@bp.route("/notices/<int:notice_id>/<any(notice, cards):kind>.docx")
@roles_required(*READERS)
def document(notice_id: int, kind: str) -> t.Any:
    notice = _notice(notice_id)
    return _send(_build(notice, kind), documents.filename(notice, kind), documents.DOCX_MIME)


@bp.route("/notices/<int:notice_id>/<any(notice, cards):kind>.pdf")
@roles_required(*READERS)
def document_pdf(notice_id: int, kind: str) -> t.Any:
    notice = _notice(notice_id)
    try:
        data = pdf.docx_to_pdf(_build(notice, kind))
    except pdf.PdfUnavailable as exc:
        raise PdfNotAvailable(_("PDF is not available on this server: LibreOffice (soffice) is not installed. "
                                "Download the Word document instead.")) from exc
    return _send(data, documents.filename(notice, kind)[:-5] + ".pdf", pdf.PDF_MIME)
