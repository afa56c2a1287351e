"""A file built in the background for one person: its row, and how a worker takes it and keeps it alive.

A page that asks for a large file (a report, a school's archive) adds a row to a table that mixes in
:class:`JobMixin` and queues a task (``core.tasks``). The task :func:`claim`\\ s its row with one
conditional UPDATE (queued → running), so two workers never build the same file, and writes a
heartbeat as it goes. A row whose worker died under it (killed, host lost) can be claimed again once
its heartbeat is older than ``REPORT_JOB_STALE_SECONDS``; :func:`lost` finds such rows for a
periodic task to queue again, up to :data:`MAX_ATTEMPTS` tries in all. The file is written to a
temporary file and stored whole (:func:`build_into`): a half-written file is never visible.
"""

from __future__ import annotations

import logging
import tempfile
import traceback
import typing as t
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from ..db import enum_column
from ..db import utcnow
from ..extensions import db
from . import storage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
HEARTBEAT_EVERY = 10

Progress = Callable[[int, int], None]


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(JOB_STATUS_LABELS[self])


JOB_STATUS_LABELS = {
    JobStatus.QUEUED: _l("Waiting"),
    JobStatus.RUNNING: _l("Being written"),
    JobStatus.DONE: _l("Ready"),
    JobStatus.FAILED: _l("Failed"),
}


class JobMixin:
    """The columns every background-built file has: state, progress, tries, heartbeat and the stored file."""

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    status: orm.Mapped[JobStatus] = orm.mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    done: orm.Mapped[int] = orm.mapped_column(default=0)
    total: orm.Mapped[int] = orm.mapped_column(default=0)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    filename: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    # Its key in the ``reports`` store (core/storage.py).
    path: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    size_bytes: orm.Mapped[int | None]
    error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    started_at: orm.Mapped[datetime | None]
    heartbeat_at: orm.Mapped[datetime | None]
    finished_at: orm.Mapped[datetime | None]

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


J = t.TypeVar("J", bound=JobMixin)


def _stale() -> datetime:
    return utcnow() - timedelta(seconds=current_app.config["REPORT_JOB_STALE_SECONDS"])


def claim(model: type[J], job_id: int) -> J | None:
    """Take row ``job_id`` for this worker: queued, or running under a worker that stopped answering."""
    now, cls = utcnow(), t.cast(t.Any, model)
    abandoned = sa.and_(cls.status == JobStatus.RUNNING,
                        sa.or_(cls.heartbeat_at.is_(None), cls.heartbeat_at < _stale()))
    claimable = sa.and_(cls.id == job_id, sa.or_(cls.status == JobStatus.QUEUED, abandoned))
    db.session.execute(sa.update(model).where(claimable, cls.attempts >= MAX_ATTEMPTS)
                       .values(status=JobStatus.FAILED, finished_at=now, error="interrupted too often"))
    claimed = _rowcount(db.session.execute(
        sa.update(model).where(claimable, cls.attempts < MAX_ATTEMPTS)
        .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, done=0, attempts=cls.attempts + 1)
    ))
    db.session.commit()
    return db.session.get(model, job_id) if claimed else None


def lost(model: type[JobMixin]) -> list[int]:
    """Rows left waiting or half-built by a worker that is gone, oldest first."""
    cls, stale = t.cast(t.Any, model), _stale()
    return list(db.session.scalars(
        sa.select(cls.id).where(sa.or_(
            sa.and_(cls.status == JobStatus.QUEUED, cls.created_at < stale),
            sa.and_(cls.status == JobStatus.RUNNING, sa.or_(cls.heartbeat_at.is_(None), cls.heartbeat_at < stale)),
        )).order_by(cls.id)
    ).all())


def update(model: type[JobMixin], job_id: int, **values: t.Any) -> None:
    """Write progress in its own short transaction, so that the page polling it sees it at once."""
    db.session.execute(sa.update(model).where(t.cast(t.Any, model).id == job_id).values(**values))
    db.session.commit()


def build_into(model: type[J], job: J, key: str, write: Callable[[t.BinaryIO, Progress], None]) -> None:
    """Run ``write`` into a temporary file, recording progress, then store it as ``key``; commit the outcome.

    A failure is recorded on the row with its message and the worker goes on.
    """
    job_id = job.id
    last = {"beat": 0}

    def progress(done: int, total: int) -> None:
        if done - last["beat"] < HEARTBEAT_EVERY and done not in (1, total):
            return
        last["beat"] = done
        update(model, job_id, done=done, total=total, heartbeat_at=utcnow())

    try:
        with tempfile.TemporaryFile() as fh:
            write(fh, progress)
            size = fh.tell()
            fh.seek(0)
            storage.area("reports").save(key, fh)
        db.session.rollback()
        update(model, job_id, status=JobStatus.DONE, path=key, size_bytes=size, finished_at=utcnow(), error=None)
    except Exception as exc:  # noqa: BLE001 - a failed job is recorded, the worker goes on
        log.error("%s %s failed: %s", model.__name__, job_id, traceback.format_exc())
        db.session.rollback()
        message = getattr(exc, "message", None) or exc.__class__.__name__
        update(model, job_id, status=JobStatus.FAILED, finished_at=utcnow(), error=str(message)[:500])


def is_ready(job: JobMixin) -> bool:
    """Whether the job's file is built and stored, ready to download."""
    return job.status == JobStatus.DONE and bool(job.path) and storage.area("reports").exists(job.path or "")


def _rowcount(result: t.Any) -> int:
    """Rows an UPDATE changed."""
    return int(result.rowcount or 0)
