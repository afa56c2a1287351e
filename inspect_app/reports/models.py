from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from ..core.jobs import JOB_STATUS_LABELS as JOB_STATUS_LABELS
from ..core.jobs import JobMixin
from ..core.jobs import JobStatus as JobStatus
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..campaigns.models import Campaign


class ReportJob(JobMixin, Model):
    """A report being built in the background: what was asked, by whom, how far it got, where the file is."""

    __tablename__ = "report_jobs"
    __table_args__ = (sa.Index("ix_report_jobs_status_id", "status", "id"),)

    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    campaign_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    # A monthly report covers several campaigns; the first is campaign_id.
    campaign_ids: orm.Mapped[list[int]] = orm.mapped_column(sa.JSON, default=list)
    school_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("schools.id"))
    month: orm.Mapped[str | None] = orm.mapped_column(sa.String(7))
    requested_by_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)

    campaign: orm.Mapped[Campaign] = orm.relationship()
    requested_by: orm.Mapped[User] = orm.relationship()


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
