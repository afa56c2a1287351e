"""The files of a visit in the file store: its photos and signatures, counted, listed and removed."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import InvalidTransition
from ..extensions import db
from ..media import services as media
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..media.models import Signer
from .models import Visit

if t.TYPE_CHECKING:
    from ..auth.models import User

PhotoKey = tuple[int, int | None]  # (item id, repeat entry id or None)


def visit_attachments(visit: Visit) -> list[Attachment]:
    stmt = sa.select(Attachment).where(Attachment.visit_id == visit.id).order_by(Attachment.id)
    return list(db.session.scalars(stmt))


def visit_photos(visit: Visit) -> dict[PhotoKey, list[Attachment]]:
    """The visit's photos grouped by (checklist item, repeat entry)."""
    grouped: dict[PhotoKey, list[Attachment]] = {}
    for attachment in visit_attachments(visit):
        grouped.setdefault((attachment.item_id or 0, attachment.instance_id), []).append(attachment)
    return grouped


def photo_counts(visit: Visit) -> dict[PhotoKey, int]:
    stmt = (
        sa.select(Attachment.item_id, Attachment.instance_id, sa.func.count())
        .where(Attachment.visit_id == visit.id)
        .group_by(Attachment.item_id, Attachment.instance_id)
    )
    return {(item_id, instance_id): n for item_id, instance_id, n in db.session.execute(stmt) if item_id is not None}


def photo_counts_of(visit_ids: t.Sequence[int]) -> dict[int, dict[PhotoKey, int]]:
    """:func:`photo_counts` of many visits, by visit id, in one query."""
    counts: dict[int, dict[PhotoKey, int]] = {i: {} for i in visit_ids}
    stmt = (
        sa.select(Attachment.visit_id, Attachment.item_id, Attachment.instance_id, sa.func.count())
        .where(Attachment.visit_id.in_(visit_ids), Attachment.item_id.is_not(None))
        .group_by(Attachment.visit_id, Attachment.item_id, Attachment.instance_id)
    )
    for visit_id, item_id, instance_id, n in db.session.execute(stmt):
        counts[t.cast(int, visit_id)][(t.cast(int, item_id), instance_id)] = n
    return counts


def visit_signatures(visit: Visit) -> dict[Signer, Attachment]:
    """The visit's current signature of each signer."""
    stmt = (sa.select(Attachment).where(Attachment.visit_id == visit.id, Attachment.kind == AttachmentKind.SIGNATURE)
            .order_by(Attachment.id))
    return {t.cast(Signer, a.signer): a for a in db.session.scalars(stmt)}


def remove(attachment: Attachment, *, actor: User) -> None:
    """Delete a photo or signature of a visit that has not been submitted."""
    visit = db.session.get(Visit, attachment.visit_id)
    assert visit is not None
    if not visit.status.editable:
        raise InvalidTransition(_("The visit has been submitted and can no longer be changed."))
    media.remove(attachment, actor=actor, school_id=visit.school_id, campaign_id=visit.campaign_id)
