"""In-app notifications: who is told what, the unread count, marking read."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import Role
from ..auth.models import User
from ..db import utcnow
from ..errors import PermissionDenied
from ..extensions import db
from ..schools.models import School
from .models import Notification

if t.TYPE_CHECKING:
    from ..rectification.models import Rectification


def school_contacts(school_id: int) -> list[User]:
    """The active contact accounts (学校联络员) of a school: the people who do its rectification."""
    stmt = (
        sa.select(User)
        .where(User.role == Role.SCHOOL, User.school_id == school_id, User.active.is_(True))
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def supervisors_for(school: School) -> list[User]:
    """The active supervisors who answer for the school: its city's, and its county's."""
    stmt = (
        sa.select(User)
        .where(User.role == Role.SUPERVISOR, User.active.is_(True),
               User.responsible_for(school.county_id, school.county.city_id))
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def notify(users: t.Iterable[User], kind: str, *, rect: Rectification | None = None,
           params: dict[str, t.Any] | None = None, exclude: User | None = None) -> list[Notification]:
    """Put one notification in each user's inbox (not the actor's own: ``exclude``)."""
    created = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen or (exclude is not None and user.id == exclude.id):
            continue
        seen.add(user.id)
        notification = Notification(user_id=user.id, kind=kind, rectification_id=rect.id if rect else None,
                                    params=dict(params or {}))
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    return created


def unread_count(user: User) -> int:
    stmt = sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(stmt) or 0


def inbox_query(user: User, *, unread_only: bool = False) -> sa.Select[t.Any]:
    """The user's notifications, newest first."""
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def mark_read(notification: Notification, *, actor: User) -> None:
    """Mark one of the actor's own notifications read (reading is not audited: it changes no record)."""
    if notification.user_id != actor.id:
        raise PermissionDenied(_("This notification is addressed to someone else."))
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(*, actor: User) -> int:
    """Mark the actor's unread notifications read, those that had arrived by now; return how many."""
    now = utcnow()
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None), Notification.created_at <= now)
        .values(read_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
