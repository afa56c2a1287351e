from __future__ import annotations

import io
import typing as t

from flask import Blueprint
from flask import abort
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from ..auth.models import Role
from ..campaigns.models import Campaign
from ..campaigns.permissions import can_report_on_campaign
from ..campaigns.permissions import can_view_campaign
from ..core import storage
from ..core.documents import pdf
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..extensions import db
from ..schools.models import School
from ..schools.permissions import can_view_school
from . import jobs
from . import numbering
from . import raw_export
from . import services
from .models import IssuedDocument
from .models import ReportJob

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")


@bp.app_context_processor
def _pdf_available() -> dict[str, t.Any]:
    """``pdf_available()`` for every page that offers a document: whether to offer its PDF too."""
    return {"pdf_available": pdf.pdf_available}

CAMPAIGN_KINDS = ("investigation", "monthly", "provincial")


def _reportable(campaign_id: int) -> Campaign:
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure(can_view_campaign(current_user, campaign))
    if not can_report_on_campaign(current_user, campaign):
        # A county sees its own schools of a wider campaign, but the report would show every county's.
        abort(403)
    return campaign


@bp.post("/campaigns/<int:campaign_id>/<kind>")
@roles_required(*STAFF)
def request_campaign_report(campaign_id: int, kind: str) -> t.Any:
    """Queue a campaign-wide report; its page shows the progress and then the download."""
    if kind not in CAMPAIGN_KINDS:
        abort(404)
    campaign = _reportable(campaign_id)
    month = services.parse_month(request.form.get("month")) if kind == "monthly" else None
    campaigns = (services.monthly_campaigns(current_user, campaign, *month) if month else (campaign,))
    job = services.request_report(services.ReportRequest(kind, campaigns, month=month), actor=current_user)
    jobs.queue(job)
    db.session.commit()
    return redirect(url_for("reports.job", job_id=job.id))


@bp.route("/campaigns/<int:campaign_id>/raw.<any(csv, xlsx):extension>")
@roles_required(*STAFF)
def raw_data(campaign_id: int, extension: str) -> t.Any:
    """Every visit's answers, a row each (.xlsx, or .csv with ``?list=NAME`` for a repeat's entries).

    A county's staff may export a wider campaign: the rows are their own county's schools.
    """
    campaign = db.get_or_404(Campaign, campaign_id)
    ensure(can_view_campaign(current_user, campaign))
    return raw_export.response(campaign, extension, viewer=current_user, table_name=request.args.get("list", ""))


def _job(job_id: int) -> ReportJob:
    job = db.get_or_404(ReportJob, job_id)
    ensure(job.requested_by_id == current_user.id)
    return job


@bp.route("/jobs/<int:job_id>")
@roles_required(*STAFF)
def job(job_id: int) -> t.Any:
    job = _job(job_id)
    return render_template("reports/job.html", job=job, issued=_issued(job))


def _issued(job: ReportJob) -> IssuedDocument | None:
    """The document number the job's document was given, once it has been issued."""
    return numbering.issued(services.job_request(job)) if job.kind in numbering.NUMBERED_KINDS else None


@bp.route("/jobs/<int:job_id>/status")
@roles_required(*STAFF)
def job_status(job_id: int) -> t.Any:
    job = _job(job_id)
    issued = _issued(job)
    return jsonify(status=job.status.value, label=job.status.label, percent=job.percent, done=job.done,
                   total=job.total, error=job.error, doc_number=issued.doc_number if issued else None,
                   download=url_for("reports.download", job_id=job.id) if jobs.is_ready(job) else None)


@bp.route("/jobs/<int:job_id>/download")
@roles_required(*STAFF)
def download(job_id: int) -> t.Any:
    job = _job(job_id)
    if not jobs.is_ready(job):
        abort(404)
    return storage.serve("reports", job.path or "", filename=job.filename, mimetype=services.DOCX_MIME)


@bp.route("/jobs/<int:job_id>/download.pdf")
@roles_required(*STAFF)
def download_pdf(job_id: int) -> t.Any:
    """The job's document as PDF, converted on the first request and kept beside the Word file."""
    job = _job(job_id)
    if not jobs.is_ready(job):
        abort(404)
    key = jobs.pdf_key(job)
    return storage.serve("reports", key, filename=services.pdf_name(job.filename), mimetype=pdf.PDF_MIME)


@bp.route("/campaigns/<int:campaign_id>/schools/<int:school_id>/<kind>.docx", defaults={"fmt": "docx"})
@bp.route("/campaigns/<int:campaign_id>/schools/<int:school_id>/<kind>.pdf", defaults={"fmt": "pdf"},
          endpoint="school_document_pdf")
@login_required
def school_document(campaign_id: int, school_id: int, kind: str, fmt: str) -> t.Any:
    """A school's 整改通知书 or 整改情况报告 as Word or PDF: one school's records, built in the request."""
    if kind not in services.SCHOOL_KINDS:
        abort(404)
    if fmt == "pdf" and not pdf.pdf_available():
        raise services.pdf_unavailable()
    if current_user.role not in (*STAFF, Role.SCHOOL):
        abort(403)
    campaign = db.get_or_404(Campaign, campaign_id)
    school = db.get_or_404(School, school_id)
    ensure(can_view_school(current_user, school))
    # A GET writes nothing: the notice shows the number it was given when its first problem was confirmed.
    report = services.build(kind, campaign, school=school, issue=False)
    if fmt == "pdf":
        report = services.as_pdf(report)
    return send_file(io.BytesIO(report.data), mimetype=report.mimetype, as_attachment=True,
                     download_name=report.filename)
