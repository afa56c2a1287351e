from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm

from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User


class AuditEntry(Model):
    """One state change: who, when, what, before and after. Rows are never updated or deleted.

    Each row is sealed into a hash chain when it is inserted (``chain.py``).
    """

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    actor_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    # Kept as written at the time, so the log still reads right after an account is renamed.
    actor_name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(48), index=True)
    object_type: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    object_id: orm.Mapped[int | None]
    # Scope, so county supervisors and schools can be shown their own entries.
    school_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    campaign_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    before: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    after: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    note: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    # The hash chain (see chain.py): the previous entry's hash and this entry's, set on insert.
    prev_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    hash: orm.Mapped[str] = orm.mapped_column(sa.String(64))

    actor: orm.Mapped[User | None] = orm.relationship()


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper: t.Any, connection: t.Any, target: AuditEntry) -> None:
    raise AppendOnlyError("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper: t.Any, connection: t.Any, target: AuditEntry) -> None:
    raise AppendOnlyError("audit entries are append-only")
