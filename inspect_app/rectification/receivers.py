"""The rectification package's receivers: a confirmed finding opens its task; who may see its evidence."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import url_for
from sqlalchemy import orm

from ..core import signals
from ..extensions import db
from ..findings.models import Finding
from ..findings.permissions import can_view_finding
from ..media import owners
from ..media.models import Attachment
from . import evidence
from . import services
from .models import Rectification
from .permissions import can_work_on_rectification

if t.TYPE_CHECKING:
    from datetime import date

    from ..auth.models import User


def _on_finding_confirmed(finding: Finding, *, actor: User, due_on: date, **_extra: t.Any) -> Rectification:
    return services.open_rectification(finding, due_on=due_on, actor=actor)


def _may_view_evidence(user: User, attachment: Attachment) -> bool:
    rect = db.session.get(Rectification, attachment.rectification_id)
    return rect is not None and can_view_finding(user, rect.finding)


def _may_remove_evidence(user: User, attachment: Attachment) -> bool:
    rect = db.session.get(Rectification, attachment.rectification_id)
    return rect is not None and can_work_on_rectification(user, rect)


def _remove_evidence(attachment: Attachment, actor: User) -> None:
    evidence.remove_evidence(attachment, actor=actor)


def _back_from_evidence(attachment: Attachment) -> str:
    return url_for("rectification.show", rect_id=attachment.rectification_id) + "#evidence"


def _rectification_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    """Rectifications as people call them in the audit log: the school and the problem number."""
    stmt = (sa.select(Rectification).where(Rectification.id.in_(ids))
            .options(orm.joinedload(Rectification.finding).joinedload(Finding.school),
                     orm.joinedload(Rectification.finding).joinedload(Finding.campaign)))
    return {r.id: f"{r.finding.school.name} {r.finding.reference}" for r in db.session.scalars(stmt)}


def connect_signals() -> None:
    """Connect the receivers (the app factory calls this once per app; connecting again is harmless)."""
    signals.audit_object_names.connect(_rectification_names, sender="rectifications")
    signals.finding_confirmed.connect(_on_finding_confirmed)
    owners.add_viewer("rectification_id", _may_view_evidence)
    owners.set_remover("rectification_id", owners.Remover(_may_remove_evidence, _remove_evidence,
                                                          _back_from_evidence))
