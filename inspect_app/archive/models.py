from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

from ..core.jobs import JobMixin
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..schools.models import School


class ArchiveJob(JobMixin, Model):
    """A school's archive for a term, built in the background for one person (core/jobs.py)."""

    __tablename__ = "archive_jobs"

    school_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    # The term's key (funds.programmes.Semester.key): 2026秋 is 2026 × 2 + 1.
    term_key: orm.Mapped[int]
    requested_by_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)

    school: orm.Mapped[School] = orm.relationship()
    requested_by: orm.Mapped[User] = orm.relationship()
