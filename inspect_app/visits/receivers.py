"""The visits package's panels on the pages of lower floors and its rules for its files in the store."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import render_template
from flask import url_for
from sqlalchemy import orm

from ..core import signals
from ..extensions import db
from ..media import owners
from ..media.models import Attachment
from . import attachments
from . import photos
from .models import Visit
from .permissions import can_view_visit
from .permissions import is_assigned

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..schools.models import School


def _school_visits(_page: str, *, school: School, **_context: t.Any) -> str:
    visits = db.session.scalars(
        sa.select(Visit).where(Visit.school_id == school.id).options(orm.joinedload(Visit.campaign))
        .order_by(Visit.id.desc())
    ).all()
    return render_template("visits/_school_visits.html", visits=visits)


def _may_view_file(user: User, attachment: Attachment) -> bool:
    visit = db.session.get(Visit, attachment.visit_id)
    return visit is not None and can_view_visit(user, visit)


def _may_remove_file(user: User, attachment: Attachment) -> bool:
    visit = db.session.get(Visit, attachment.visit_id)
    return visit is not None and is_assigned(user, visit)


def _remove_file(attachment: Attachment, actor: User) -> None:
    attachments.remove(attachment, actor=actor)


def _back_from_file(attachment: Attachment) -> str:
    return url_for("visits.show", visit_id=attachment.visit_id) + f"#item-{attachment.item_id}"


def connect_signals() -> None:
    """Connect the receivers (the app factory calls this once per app; connecting again is harmless)."""
    signals.page_panels.connect(_school_visits, sender="schools.show")
    owners.add_viewer("visit_id", _may_view_file)
    owners.set_remover("visit_id", owners.Remover(_may_remove_file, _remove_file, _back_from_file))
    owners.set_stamper("visit_id", photos.stamp_lines)
