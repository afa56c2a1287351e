from __future__ import annotations

import typing as t
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from ..db import enum_column
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..campaigns.models import Campaign


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


class ReportJob(Model):
    """A report being built in the background: what was asked, by whom, how far it got, where the file is."""

    __tablename__ = "report_jobs"
    __table_args__ = (sa.Index("ix_report_jobs_status_id", "status", "id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    campaign_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    # A monthly report covers several campaigns; the first is campaign_id.
    campaign_ids: orm.Mapped[list[int]] = orm.mapped_column(sa.JSON, default=list)
    school_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("schools.id"))
    month: orm.Mapped[str | None] = orm.mapped_column(sa.String(7))
    status: orm.Mapped[JobStatus] = orm.mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    done: orm.Mapped[int] = orm.mapped_column(default=0)
    total: orm.Mapped[int] = orm.mapped_column(default=0)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    filename: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    # Its key in the ``reports`` store (core/storage.py).
    path: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    size_bytes: orm.Mapped[int | None]
    error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    requested_by_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    started_at: orm.Mapped[datetime | None]
    heartbeat_at: orm.Mapped[datetime | None]
    finished_at: orm.Mapped[datetime | None]

    campaign: orm.Mapped[Campaign] = orm.relationship()
    requested_by: orm.Mapped[User] = orm.relationship()

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class IssuedDocument(Model):
    """A document number (发文字号) given to a document when it was first issued, kept from then on.

    Numbers run per kind and year (``渭资助〔2026〕3号``); ``subject`` says which document it is (the
    campaign, the school, the month), so building the same document again shows the same number.
    ``doc_number`` is the text as issued: changing the configured prefix later does not renumber it.
    """

    __tablename__ = "issued_documents"
    __table_args__ = (
        sa.UniqueConstraint("kind", "subject", name="uq_issued_documents_kind_subject"),
        sa.UniqueConstraint("kind", "year", "number", name="uq_issued_documents_kind_year_number"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    subject: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    year: orm.Mapped[int]
    number: orm.Mapped[int]
    doc_number: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    campaign_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    school_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("schools.id"))
    issued_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    issued_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    campaign: orm.Mapped[Campaign | None] = orm.relationship()
    issued_by: orm.Mapped[User | None] = orm.relationship()
