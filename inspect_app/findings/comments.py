"""The conversation on a finding: the school and its supervisors write to each other."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..core import signals
from ..errors import ValidationFailed
from ..extensions import db
from .models import Finding
from .models import FindingComment

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_COMMENT = 2000


def add_comment(finding: Finding, body: str, *, actor: User) -> FindingComment:
    """Add a comment to the finding's conversation; the other side is told (``finding_commented``)."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write a comment first."))
    if len(body) > MAX_COMMENT:
        raise ValidationFailed(_("A comment has at most %(n)d characters.", n=MAX_COMMENT))
    comment = FindingComment(finding_id=finding.id, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "finding.comment", finding, school_id=finding.school_id, campaign_id=finding.campaign_id,
                 after={"comment": comment.id}, note=body)
    signals.finding_commented.send(comment, actor=actor)
    return comment


def comments(finding_ids: t.Iterable[int]) -> dict[int, list[FindingComment]]:
    """The comments on each finding, oldest first, with their authors."""
    ids = list(finding_ids)
    grouped: dict[int, list[FindingComment]] = {i: [] for i in ids}
    if not ids:
        return grouped
    stmt = (sa.select(FindingComment).where(FindingComment.finding_id.in_(ids))
            .options(orm.joinedload(FindingComment.author))
            .order_by(FindingComment.created_at, FindingComment.id))
    for comment in db.session.scalars(stmt):
        grouped[comment.finding_id].append(comment)
    return grouped
