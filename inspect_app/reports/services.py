"""Build report documents (shared by the download views, the background jobs and the CLI)."""

from __future__ import annotations

import io
import typing as t
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..audit import services as audit
from ..campaigns.models import Campaign
from ..campaigns.permissions import can_report_on_campaign
from ..core.documents import pdf
from ..db import local_today
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import School
from ..schools.services import find_school as find_school
from . import collect
from . import numbering
from .collect import month_bounds
from .docx import render_kind
from .models import ReportJob
from .request import ReportRequest as ReportRequest
from .template_kinds import FILENAMES

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Every kind the `reports build` command knows, in the issue's order. The Word kinds are built from
# a template here; `ledger` (the 整改台账 .xlsx) comes from rectification/ledger.py.
KINDS = ("investigation", "notice", "school-report", "monthly", "ledger", "provincial")
DOCX_KINDS = ("investigation", "notice", "school-report", "monthly", "provincial")
SCHOOL_KINDS = ("notice", "school-report")
TEMPLATE_FILES = FILENAMES


@dataclass
class BuiltReport:
    filename: str
    mimetype: str
    data: bytes


class PdfNotAvailable(ServiceError):
    """Asked for a PDF on a server without LibreOffice."""

    status_code = 503
    code = "pdf_unavailable"


def pdf_unavailable() -> PdfNotAvailable:
    return PdfNotAvailable(_("PDF is not available on this server: LibreOffice (soffice) is not installed. "
                             "Download the Word document instead."))


def as_pdf(report: BuiltReport) -> BuiltReport:
    """The same document as PDF (LibreOffice, core/documents/pdf.py); refused where LibreOffice is missing."""
    try:
        data = pdf.docx_to_pdf(report.data)
    except pdf.PdfUnavailable as exc:
        raise pdf_unavailable() from exc
    return BuiltReport(pdf_name(report.filename), pdf.PDF_MIME, data)


def pdf_name(filename: str) -> str:
    """The download name of a document's PDF: the Word name with .pdf."""
    return str(Path(filename).with_suffix(".pdf"))


def template_dir() -> Path:
    return Path(current_app.config["REPORT_TEMPLATE_DIR"])


def template_path(kind: str) -> Path:
    """The template file staff edit for a kind: report_templates/<kind>.docx."""
    return template_dir() / TEMPLATE_FILES[kind]


def parse_month(value: str | None, *, today: date | None = None) -> tuple[int, int]:
    """YYYY-MM, or the current month (Asia/Shanghai) when empty."""
    if not value:
        today = today or local_today()
        return today.year, today.month
    try:
        year, month = (int(part) for part in value.split("-"))
        date(year, month, 1)
    except ValueError as exc:
        raise ValidationFailed(_("“%(value)s” is not a month; write it as 2026-11.", value=value)) from exc
    return year, month



def filename(request: ReportRequest) -> str:
    """A download name that says what the document is."""
    code = request.campaign.code
    if request.kind == "investigation":
        return f"{code}-督导检查情况报告.docx"
    if request.kind == "notice":
        return f"{code}-{request.school.name if request.school else ''}-整改通知书.docx"
    if request.kind == "school-report":
        return f"{code}-{request.school.name if request.school else ''}-整改情况报告.docx"
    if request.kind == "monthly":
        year, month = request.month or (0, 0)
        return f"{year}年{month}月-督导检查月报.docx"
    if request.kind == "provincial":
        return f"{code}-学生资助交叉检查情况通报.docx"
    return f"{code}-{request.kind}"


def check_request(request: ReportRequest) -> None:
    """Refuse a request that lacks what its kind needs, naming the missing option."""
    if request.kind not in DOCX_KINDS:
        raise ValidationFailed(_("Unknown report kind “%(kind)s”.", kind=request.kind))
    if request.kind in SCHOOL_KINDS and request.school is None:
        raise ValidationFailed(_("A %(kind)s is written for one school: name it with --school.", kind=request.kind))
    if request.kind == "monthly" and request.month is None:
        raise ValidationFailed(_("A monthly report needs a month."))
    if not request.campaigns:
        raise ValidationFailed(_("Name at least one campaign."))
    if request.kind == "provincial" and request.campaign.county_id is not None:
        raise ValidationFailed(_("A circular compares the cities of a province campaign or the counties of a city "
                                 "campaign; %(code)s is a county's campaign.", code=request.campaign.code))


def write(request: ReportRequest, out: t.BinaryIO, *, progress: Callable[[int, int], None] | None = None,
          actor: User | None = None, issue: bool = True) -> int:
    """Collect the figures and render the document into ``out``; returns the number of photos.

    A kind the office numbers is issued its 发文字号 first (written with the caller's work); with
    ``issue=False`` (a download by GET) it shows the number given before, if any, and writes nothing.
    ``progress(done, total)`` is called as the work advances (collecting is step 1, each photo one more).
    """
    check_request(request)
    issued = numbering.issue(request, actor=actor) if issue else numbering.issued(request)
    data: t.Any
    if request.kind == "investigation":
        data = collect.build_investigation_data(request.campaign)
    elif request.kind == "provincial":
        data = collect.build_provincial_data(request.campaign)
    elif request.kind in SCHOOL_KINDS:
        assert request.school is not None
        data = collect.build_school_data(request.campaign, request.school,
                                         evidence_photos=request.kind == "school-report")
    else:
        assert request.month is not None
        data = collect.build_monthly_data(list(request.campaigns), *request.month)
    total = 1 + len(getattr(data, "photos", []))
    if progress:
        progress(1, total)
    return render_kind(request.kind, data, template_path(request.kind), out,
                       progress=(lambda n: progress(1 + n, total)) if progress else None,
                       doc_number=issued.doc_number if issued else "")


def build(kind: str, campaign: Campaign, *, school: School | None = None,
          month: tuple[int, int] | None = None, actor: User | None = None, issue: bool = True) -> BuiltReport:
    """Render one report in memory (small documents and tests); large ones go through a job and a file."""
    request = ReportRequest(kind, (campaign,), school=school,
                            month=month or (parse_month(None) if kind == "monthly" else None))
    out = io.BytesIO()
    write(request, out, actor=actor, issue=issue)
    return BuiltReport(filename(request), DOCX_MIME, out.getvalue())


# ---------------------------------------------------------------- background jobs


def request_report(request: ReportRequest, *, actor: User) -> ReportJob:
    """Queue a report to be built in the background; the worker picks it up (or runs it now, inline mode)."""
    check_request(request)
    job = ReportJob(
        kind=request.kind, campaign_id=request.campaign.id, campaign_ids=[c.id for c in request.campaigns],
        school_id=request.school.id if request.school else None,
        month=f"{request.month[0]:04d}-{request.month[1]:02d}" if request.month else None,
        filename=filename(request), requested_by_id=actor.id,
    )
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "report.request", job, after={"kind": job.kind, "month": job.month},
                 campaign_id=request.campaign.id, school_id=job.school_id)
    return job


def job_request(job: ReportJob) -> ReportRequest:
    """The request a job stands for, with its objects loaded again."""
    campaigns = tuple(db.session.get(Campaign, cid) for cid in (job.campaign_ids or [job.campaign_id]))
    school = db.session.get(School, job.school_id) if job.school_id else None
    return ReportRequest(job.kind, tuple(c for c in campaigns if c is not None), school=school,
                         month=parse_month(job.month) if job.month else None)


def monthly_campaigns(user: User, campaign: Campaign, year: int, month: int) -> tuple[Campaign, ...]:
    """The campaigns a monthly report requested from one campaign's page covers: every campaign the user
    may report on that had begun by the end of the month, the page's own campaign first."""
    _first, last = month_bounds(year, month)
    others = [
        c for c in db.session.scalars(sa.select(Campaign).where(Campaign.id != campaign.id).order_by(Campaign.id))
        if can_report_on_campaign(user, c) and (c.starts_on is None or c.starts_on <= last)
    ]
    return (campaign, *others)


if t.TYPE_CHECKING:
    from ..auth.models import User
