"""Reports built in the background: one task per requested report, with its progress on its row.

A report asked for on a page becomes a ``report_jobs`` row (what was asked, by whom, how far it got,
where the file is) and a ``build_report`` task on the queue (``core.tasks``). The task claims its
row with one conditional UPDATE (queued → running), so two workers never build the same report,
and writes a heartbeat as it goes. A report whose worker died under it (killed, host lost) is
claimed again once its heartbeat is older than REPORT_JOB_STALE_SECONDS: ``recover_reports``, run
by the workers' scheduler, queues such reports again, up to MAX_ATTEMPTS tries in all.
"""

from __future__ import annotations

import logging
import typing as t
from pathlib import Path

import sqlalchemy as sa

from ..core import jobs
from ..core import storage
from ..core import tasks
from ..core.documents import pdf
from ..extensions import db
from . import services
from .models import JobStatus
from .models import ReportJob

log = logging.getLogger(__name__)
MAX_ATTEMPTS = jobs.MAX_ATTEMPTS


def queue(job: ReportJob) -> None:
    """Build ``job`` in the background once the current transaction commits."""
    tasks.enqueue(build_report, job.id)


@tasks.task(retries=0)
def build_report(job_id: int) -> None:
    """Build one requested report, unless it is done, failed, or being built by a live worker."""
    job = claim(job_id)
    if job is not None:
        run_job(job)


def claim(job_id: int) -> ReportJob | None:
    """Take report ``job_id`` for this worker: queued, or running under a worker that stopped answering."""
    return jobs.claim(ReportJob, job_id)


@tasks.periodic_task(tasks.every_minutes(5))
def recover_reports() -> None:
    """Queue again the reports left waiting or half-built by a worker that is gone."""
    for job_id in jobs.lost(ReportJob):
        log.warning("report job %s lost its worker; queued again", job_id)
        build_report(job_id)


def run_job(job: ReportJob) -> None:
    """Build the job's document into the ``reports`` store as ``<id>.docx``, recording progress; commit the outcome."""
    request = services.job_request(job)
    actor = job.requested_by

    def write(out: t.BinaryIO, progress: jobs.Progress) -> None:
        services.write(request, out, progress=progress, actor=actor)

    jobs.build_into(ReportJob, job, f"{job.id}.docx", write)


def run_inline(job: ReportJob) -> None:
    """Build a job now, in this process (scripts and tests)."""
    db.session.commit()
    claimed = claim(job.id)
    if claimed is not None:
        run_job(claimed)


def build_queued() -> int:
    """Build every report waiting in the queue's table now, in this process; returns how many were built."""
    built = 0
    for job_id in db.session.scalars(
        sa.select(ReportJob.id).where(ReportJob.status == JobStatus.QUEUED).order_by(ReportJob.id)
    ).all():
        job = claim(job_id)
        if job is not None:
            run_job(job)
            built += 1
    return built


def is_ready(job: ReportJob) -> bool:
    """Whether the job's file is built and stored, ready to download."""
    return jobs.is_ready(job)


def pdf_key(job: ReportJob) -> str:
    """The job's document as PDF in the ``reports`` store, converted from the Word file the first time.

    Raises :class:`~inspect_app.reports.services.PdfNotAvailable` where LibreOffice is not installed.
    """
    key = f"{job.id}.pdf"
    reports = storage.area("reports")
    if not reports.exists(key):
        if not pdf.pdf_available():
            raise services.pdf_unavailable()
        with reports.open(job.path or "") as fh:
            data = fh.read()
        converted = services.as_pdf(services.BuiltReport(job.filename, services.DOCX_MIME, data))
        reports.save(key, converted.data)
    return key


def output_path(job: ReportJob) -> Path | None:
    """The finished file on this host's disk, when reports are kept in a local folder."""
    if not is_ready(job):
        return None
    return storage.area("reports").local_path(job.path or "")
