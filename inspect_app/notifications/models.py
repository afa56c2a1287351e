from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..rectification.models import Rectification


class Notification(Model):
    """A message in one user's in-app inbox.

    The text is not stored: ``kind`` and ``params`` are, and the message is written in the
    reader's language when it is shown (see ``notifications.labels``).
    """

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    rectification_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("rectifications.id"), index=True)
    params: orm.Mapped[dict[str, t.Any]] = orm.mapped_column(default=dict)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, index=True)
    read_at: orm.Mapped[datetime | None]

    user: orm.Mapped[User] = orm.relationship()
    rectification: orm.Mapped[Rectification | None] = orm.relationship()

    @property
    def unread(self) -> bool:
        return self.read_at is None
