"""What the tablets sent: each request of the sync API, each operation in it, and the flagged ones."""

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
    from ..checklists.models import ChecklistItem


class SyncKind(StrEnum):
    OPEN = "open"
    OPS = "ops"
    MEDIA = "media"
    SUBMIT = "submit"

    @property
    def label(self) -> str:
        return str(SYNC_KIND_LABELS[self])


SYNC_KIND_LABELS = {
    SyncKind.OPEN: _l("Opened the visit"),
    SyncKind.OPS: _l("Changes"),
    SyncKind.MEDIA: _l("Photo or signature"),
    SyncKind.SUBMIT: _l("Submission"),
}


class SyncRequest(Model):
    """One write received through the sync API, with the answer it was given.

    ``(user_id, idempotency_key)`` is unique: a batch sent again under its key is answered from
    ``response`` and counted in ``replays``, never applied twice.
    """

    __tablename__ = "sync_requests"
    __table_args__ = (sa.UniqueConstraint("user_id", "idempotency_key"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    visit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("visits.id"), index=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"))
    kind: orm.Mapped[SyncKind] = orm.mapped_column(enum_column(SyncKind))
    idempotency_key: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    # SHA-256 of the request body, to tell a replay from another request under the same key.
    request_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    # The device (a UUID the browser keeps) and its user agent; "token" when an API token was used.
    client_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    user_agent: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    via_token: orm.Mapped[bool] = orm.mapped_column(default=False)
    received_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    status_code: orm.Mapped[int]
    response: orm.Mapped[dict[str, t.Any]] = orm.mapped_column(sa.JSON)
    # {"applied": n, "unchanged": n, "duplicate": n, "conflict": n, "refused": n} for batches.
    counts: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    replays: orm.Mapped[int] = orm.mapped_column(default=0)
    last_replay_at: orm.Mapped[datetime | None]

    user: orm.Mapped[User] = orm.relationship()


class OpStatus(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return str(OP_STATUS_LABELS[self])


OP_STATUS_LABELS = {
    OpStatus.APPLIED: _l("Applied"),
    OpStatus.UNCHANGED: _l("Unchanged"),
    OpStatus.CONFLICT: _l("Parallel edit"),
    OpStatus.REFUSED: _l("Refused"),
}


class SyncOp(Model):
    """One operation of a batch (an answer, an entry added or removed, a photo removed, a check-in).

    ``op_id`` is the client's UUID and unique: the same operation is never applied twice.
    A parallel edit (``conflict``) was applied, last write wins, and keeps what it replaced in
    ``previous``; a refused one was not applied. Both stay flagged until a supervisor acknowledges them.
    """

    __tablename__ = "sync_ops"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    op_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    request_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("sync_requests.id"), index=True)
    visit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("visits.id"), index=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"))
    client_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    type: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    item_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("checklist_items.id"))
    entry: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    payload_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    base_rev: orm.Mapped[int | None]
    # The answer's revision this operation produced (answers only).
    rev: orm.Mapped[int | None]
    client_ts: orm.Mapped[datetime | None]
    server_ts: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    status: orm.Mapped[OpStatus] = orm.mapped_column(enum_column(OpStatus))
    message: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    # What the operation asked for, and what a parallel edit replaced: {"value", "note", "by", "at"}.
    value: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    previous: orm.Mapped[dict[str, t.Any] | None] = orm.mapped_column(sa.JSON)
    acknowledged_at: orm.Mapped[datetime | None]
    acknowledged_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))

    user: orm.Mapped[User] = orm.relationship(foreign_keys=[user_id])
    item: orm.Mapped[ChecklistItem | None] = orm.relationship()
    acknowledged_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[acknowledged_by_id])
    request: orm.Mapped[SyncRequest] = orm.relationship()

    @property
    def flagged(self) -> bool:
        return self.status in (OpStatus.CONFLICT, OpStatus.REFUSED)
