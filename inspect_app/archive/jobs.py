"""Archives built in the background: a ``build_archive`` task per requested archive (core/jobs.py)."""

from __future__ import annotations

import logging
import typing as t

from ..core import jobs
from ..core import tasks
from ..funds.programmes import Semester
from .collect import collect
from .models import ArchiveJob
from .writer import write

log = logging.getLogger(__name__)


def queue(job: ArchiveJob) -> None:
    """Build ``job`` in the background once the current transaction commits."""
    tasks.enqueue(build_archive, job.id)


@tasks.task(retries=0)
def build_archive(job_id: int) -> None:
    """Build one requested archive, unless it is done, failed, or being built by a live worker."""
    job = jobs.claim(ArchiveJob, job_id)
    if job is not None:
        run_job(job)


@tasks.periodic_task(tasks.every_minutes(5))
def recover_archives() -> None:
    """Queue again the archives left waiting or half-built by a worker that is gone."""
    for job_id in jobs.lost(ArchiveJob):
        log.warning("archive job %s lost its worker; queued again", job_id)
        build_archive(job_id)


def run_job(job: ArchiveJob) -> None:
    """Write the archive into the ``reports`` store as ``archive-<id>.zip``; commit the outcome."""
    archive = collect(job.school, Semester.from_key(job.term_key))

    def build(out: t.BinaryIO, progress: jobs.Progress) -> None:
        write(archive, out, progress)

    jobs.build_into(ArchiveJob, job, f"archive-{job.id}.zip", build)
