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
import tempfile
import traceback
import typing as t
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..core import storage
from ..core import tasks
from ..core.documents import pdf
from ..db import utcnow
from ..extensions import db
from . import services
from .models import JobStatus
from .models import ReportJob

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
HEARTBEAT_EVERY = 10


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
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["REPORT_JOB_STALE_SECONDS"])
    abandoned = sa.and_(ReportJob.status == JobStatus.RUNNING,
                        sa.or_(ReportJob.heartbeat_at.is_(None), ReportJob.heartbeat_at < stale))
    claimable = sa.and_(ReportJob.id == job_id, sa.or_(ReportJob.status == JobStatus.QUEUED, abandoned))
    _rowcount(db.session.execute(
        sa.update(ReportJob).where(claimable, ReportJob.attempts >= MAX_ATTEMPTS)
        .values(status=JobStatus.FAILED, finished_at=now, error="interrupted too often")
    ))
    claimed = _rowcount(db.session.execute(
        sa.update(ReportJob).where(claimable, ReportJob.attempts < MAX_ATTEMPTS)
        .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, done=0,
                attempts=ReportJob.attempts + 1)
    ))
    db.session.commit()
    return db.session.get(ReportJob, job_id) if claimed else None


@tasks.periodic_task(tasks.every_minutes(5))
def recover_reports() -> None:
    """Queue again the reports left waiting or half-built by a worker that is gone."""
    stale = utcnow() - timedelta(seconds=current_app.config["REPORT_JOB_STALE_SECONDS"])
    lost = db.session.scalars(
        sa.select(ReportJob.id).where(sa.or_(
            sa.and_(ReportJob.status == JobStatus.QUEUED, ReportJob.created_at < stale),
            sa.and_(ReportJob.status == JobStatus.RUNNING,
                    sa.or_(ReportJob.heartbeat_at.is_(None), ReportJob.heartbeat_at < stale)),
        )).order_by(ReportJob.id)
    ).all()
    for job_id in lost:
        log.warning("report job %s lost its worker; queued again", job_id)
        build_report(job_id)


def run_job(job: ReportJob) -> None:
    """Build the job's document into the ``reports`` store as ``<id>.docx``, recording progress; commit the outcome."""
    job_id = job.id
    key = f"{job_id}.docx"
    last = {"beat": 0}

    def progress(done: int, total: int) -> None:
        if done - last["beat"] < HEARTBEAT_EVERY and done not in (1, total):
            return
        last["beat"] = done
        _update(job_id, done=done, total=total, heartbeat_at=utcnow())

    try:
        request = services.job_request(job)
        # Built in a temporary file, then stored whole: a half-written report is never visible.
        with tempfile.TemporaryFile() as fh:
            services.write(request, fh, progress=progress, actor=job.requested_by)
            size = fh.tell()
            fh.seek(0)
            storage.area("reports").save(key, fh)
        db.session.rollback()
        _update(job_id, status=JobStatus.DONE, path=key, size_bytes=size, finished_at=utcnow(), error=None)
    except Exception as exc:  # noqa: BLE001 - a failed job is recorded, the worker goes on
        log.error("report job %s failed: %s", job_id, traceback.format_exc())
        db.session.rollback()
        message = getattr(exc, "message", None) or exc.__class__.__name__
        _update(job_id, status=JobStatus.FAILED, finished_at=utcnow(), error=str(message)[:500])


def _rowcount(result: t.Any) -> int:
    """Rows an UPDATE changed."""
    return int(result.rowcount or 0)


def _update(job_id: int, **values: t.Any) -> None:
    """Write progress in its own short transaction, so that the page polling it sees it at once."""
    db.session.execute(sa.update(ReportJob).where(ReportJob.id == job_id).values(**values))
    db.session.commit()


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
    return job.status == JobStatus.DONE and bool(job.path) and storage.area("reports").exists(job.path or "")


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
