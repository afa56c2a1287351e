from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import orm

from ..db import enum_column
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..notifications.models import Notification
    from ..rectification.models import Rectification


class ReminderKind(StrEnum):
    DUE_IN_7 = "due_7"
    DUE_IN_1 = "due_1"
    OVERDUE = "overdue"


class MailStatus(StrEnum):
    NONE = "none"          # no e-mail: SMTP not configured, or the user has no address
    PENDING = "pending"    # to be sent by this or the next run
    SENDING = "sending"    # claimed by a run
    SENT = "sent"
    FAILED = "failed"      # gave up after MAX_MAIL_ATTEMPTS


class Reminder(Model):
    """One deadline reminder to one person: the record that makes it go out exactly once.

    The unique constraint is the guarantee: a second run, or two runs at the same time, cannot
    insert the same (rectification, deadline, kind, person) again. A new deadline (an extension)
    is a new key, so its reminders go out afresh.
    """

    __tablename__ = "reminders"
    __table_args__ = (sa.UniqueConstraint("rectification_id", "due_on", "kind", "user_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    rectification_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("rectifications.id"))
    due_on: orm.Mapped[date]
    kind: orm.Mapped[ReminderKind] = orm.mapped_column(enum_column(ReminderKind))
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    notification_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("notifications.id"))
    mail_status: orm.Mapped[MailStatus] = orm.mapped_column(enum_column(MailStatus), default=MailStatus.NONE,
                                                            index=True)
    mail_to: orm.Mapped[str | None] = orm.mapped_column(sa.String(128))
    mail_attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    mailed_at: orm.Mapped[datetime | None]
    mail_error: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))

    rectification: orm.Mapped[Rectification] = orm.relationship()
    user: orm.Mapped[User] = orm.relationship()
    notification: orm.Mapped[Notification | None] = orm.relationship()
