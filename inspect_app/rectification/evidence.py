"""Rectification evidence (佐证材料): the school's photos and PDFs, kept in the file store."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import services as audit
from ..audit.models import AuditEntry
from ..errors import InvalidTransition
from ..extensions import db
from ..media import services as media
from ..media.models import Attachment
from .models import Rectification
from .models import RectificationStatus as S

if t.TYPE_CHECKING:
    from ..auth.models import User


def add_evidence(rect: Rectification, data: bytes, *, filename: str, actor: User) -> Attachment:
    """Attach a photo or PDF as rectification evidence (佐证材料)."""
    if rect.status in (S.SUBMITTED, S.CLOSED):
        raise InvalidTransition(_("The rectification is “%(status)s”; evidence can no longer be added.",
                                  status=rect.status.label))
    attachment, _image = media.store(data, filename=filename, actor=actor, rectification_id=rect.id)
    audit.record(actor, "evidence.add", attachment, school_id=rect.finding.school_id,
                 campaign_id=rect.finding.campaign_id,
                 after={"rectification": rect.id, "file": attachment.original_name, "sha256": attachment.sha256})
    return attachment


def remove_evidence(attachment: Attachment, *, actor: User) -> None:
    """Delete a piece of evidence while its rectification is still with the school."""
    rect = db.session.get(Rectification, attachment.rectification_id)
    assert rect is not None
    if rect.status in (S.SUBMITTED, S.CLOSED):
        raise InvalidTransition(_("The rectification is “%(status)s”; evidence can no longer be removed.",
                                  status=rect.status.label))
    audit.record(actor, "evidence.remove", rect, school_id=rect.finding.school_id,
                 campaign_id=rect.finding.campaign_id,
                 before={"attachment": attachment.id, "file": attachment.original_name, "sha256": attachment.sha256})
    media.remove(attachment, actor=actor, school_id=rect.finding.school_id, campaign_id=rect.finding.campaign_id)


def history(rect: Rectification) -> list[AuditEntry]:
    """The rectification's audit entries with the evidence added to it, also that removed since, oldest first."""
    current = [a.id for a in evidence([rect.id])[rect.id]]
    return audit.history_with_files("rectifications", [rect.id], current)


def evidence(rect_ids: t.Iterable[int]) -> dict[int, list[Attachment]]:
    """The evidence of each rectification, in the order it was added."""
    ids = list(rect_ids)
    grouped: dict[int, list[Attachment]] = {i: [] for i in ids}
    if not ids:
        return grouped
    stmt = sa.select(Attachment).where(Attachment.rectification_id.in_(ids)).order_by(Attachment.id)
    for attachment in db.session.scalars(stmt):
        grouped[attachment.rectification_id or 0].append(attachment)
    return grouped
