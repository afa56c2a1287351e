"""The report worker: claims queued jobs one at a time, builds each into a file, records progress.

There is no queue service: the ``report_jobs`` table is the queue. A job is claimed with one
conditional UPDATE (queued → running), so two workers never build the same job. The worker writes a
heartbeat as it goes; a job left ``running`` by a worker that died (the app was restarted mid-way)
is queued again once its heartbeat is older than REPORT_JOB_STALE_SECONDS, up to three attempts.
The app starts one worker thread per process (REPORT_WORKER=thread); a separate process can run
``inspect-app reports worker`` instead (REPORT_WORKER=off in the web app), and tests use
REPORT_WORKER=inline, which builds the job inside the request that asked for it.
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
import typing as t
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask import current_app

from ..db import utcnow
from ..extensions import db
from . import services
from .models import JobStatus
from .models import ReportJob

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
HEARTBEAT_EVERY = 10


def recover_stale() -> int:
    """Queue again the jobs whose worker stopped answering; fail those that already had their tries."""
    stale = utcnow() - timedelta(seconds=_config("REPORT_JOB_STALE_SECONDS"))
    running = sa.and_(ReportJob.status == JobStatus.RUNNING,
                      sa.or_(ReportJob.heartbeat_at.is_(None), ReportJob.heartbeat_at < stale))
    failed = _rowcount(db.session.execute(
        sa.update(ReportJob).where(running, ReportJob.attempts >= MAX_ATTEMPTS)
        .values(status=JobStatus.FAILED, finished_at=utcnow(), error="interrupted too often")
    ))
    requeued = _rowcount(db.session.execute(
        sa.update(ReportJob).where(running, ReportJob.attempts < MAX_ATTEMPTS).values(status=JobStatus.QUEUED)
    ))
    db.session.commit()
    return failed + requeued


def claim_next(only: int | None = None) -> ReportJob | None:
    """Take the oldest queued job (or job ``only``) for this worker, or None when there is nothing to do."""
    while True:
        stmt = sa.select(ReportJob.id).where(ReportJob.status == JobStatus.QUEUED)
        if only is not None:
            stmt = stmt.where(ReportJob.id == only)
        job_id = db.session.scalar(stmt.order_by(ReportJob.id).limit(1))
        if job_id is None:
            db.session.rollback()
            return None
        now = utcnow()
        claimed = _rowcount(db.session.execute(
            sa.update(ReportJob).where(ReportJob.id == job_id, ReportJob.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, done=0,
                    attempts=ReportJob.attempts + 1)
        ))
        db.session.commit()
        if claimed:
            return db.session.get(ReportJob, job_id)


def run_job(job: ReportJob) -> None:
    """Build the job's document into REPORT_OUTPUT_DIR/<id>.docx, recording progress; commit the outcome."""
    job_id = job.id
    folder = services.output_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{job_id}.docx"
    part = folder / f"{job_id}.docx.part"
    last = {"beat": 0}

    def progress(done: int, total: int) -> None:
        if done - last["beat"] < HEARTBEAT_EVERY and done not in (1, total):
            return
        last["beat"] = done
        _update(job_id, done=done, total=total, heartbeat_at=utcnow())

    try:
        request = services.job_request(job)
        with part.open("wb") as fh:
            services.write(request, fh, progress=progress)
        os.replace(part, target)
        db.session.rollback()
        _update(job_id, status=JobStatus.DONE, path=target.name, size_bytes=target.stat().st_size,
                finished_at=utcnow(), error=None)
    except Exception as exc:  # noqa: BLE001 - a failed job is recorded, the worker goes on
        log.error("report job %s failed: %s", job_id, traceback.format_exc())
        db.session.rollback()
        part.unlink(missing_ok=True)
        message = getattr(exc, "message", None) or exc.__class__.__name__
        _update(job_id, status=JobStatus.FAILED, finished_at=utcnow(), error=str(message)[:500])


def _rowcount(result: t.Any) -> int:
    """Rows an UPDATE changed."""
    return int(result.rowcount or 0)


def _update(job_id: int, **values: t.Any) -> None:
    """Write progress in its own short transaction, so that the page polling it sees it at once."""
    db.session.execute(sa.update(ReportJob).where(ReportJob.id == job_id).values(**values))
    db.session.commit()


def work(*, once: bool = False, stop: threading.Event | None = None, poll: float = 2.0) -> int:
    """Run queued jobs until told to stop (or, with ``once``, until the queue is empty); returns jobs run."""
    ran = 0
    recover_stale()
    while not (stop and stop.is_set()):
        job = claim_next()
        if job is None:
            if once:
                break
            (stop or threading.Event()).wait(poll)
            recover_stale()
            continue
        run_job(job)
        ran += 1
        db.session.remove()
    return ran


def run_inline(job: ReportJob) -> None:
    """Build a job now, in this request (REPORT_WORKER=inline; tests)."""
    db.session.commit()
    claimed = claim_next(job.id)
    if claimed is not None:
        run_job(claimed)


def init_app(app: Flask) -> None:
    """Start the worker thread with the first request the process serves (not in CLI commands)."""

    @app.before_request
    def _start_report_worker() -> None:
        start_worker_thread(app)


def start_worker_thread(app: Flask) -> threading.Thread | None:
    """Start this process's worker thread once (REPORT_WORKER=thread), not in the reloader's parent."""
    if app.config["REPORT_WORKER"] != "thread" or app.extensions.get("report_worker"):
        return None
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            while not stop.is_set():
                try:
                    work(stop=stop)
                except Exception:  # noqa: BLE001 - the database may be away for a moment; try again
                    log.exception("report worker")
                    db.session.remove()
                    stop.wait(5)

    thread = threading.Thread(target=loop, name="report-worker", daemon=True)
    app.extensions["report_worker"] = (thread, stop)
    thread.start()
    return thread


def _config(key: str) -> t.Any:
    return current_app.config[key]


def output_path(job: ReportJob) -> Path | None:
    if job.status != JobStatus.DONE or not job.path:
        return None
    path = services.output_dir() / job.path
    return path if path.exists() else None
