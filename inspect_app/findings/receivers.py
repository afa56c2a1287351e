"""The findings package's receivers: raise findings, hold approval, waive points; its panels on other pages."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import render_template
from sqlalchemy import orm

from ..auth.models import Role
from ..checklists.models import ChecklistItem
from ..checklists.models import Severity
from ..core import signals
from ..extensions import db
from ..media import owners
from ..media.models import Attachment
from ..visits.models import Visit
from . import services
from .models import Finding
from .models import FindingStatus
from .permissions import can_view_finding

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..checklists.logic import FormState
    from ..schools.models import School
    from ..visits.models import Answer
    from ..visits.services import Key


def _on_visit_submitted(visit: Visit, *, actor: User, state: FormState, answers: dict[Key, Answer],
                        **_extra: t.Any) -> list[Finding]:
    return services.raise_findings(visit, state=state, answers=answers, actor=actor)


def _on_visit_approving(visit: Visit, **_extra: t.Any) -> None:
    services.require_decided(visit)


def _on_waived_items(_sender: t.Any, *, visit_ids: list[int], **_extra: t.Any) -> dict[int, set[Key]]:
    return services.dismissed_items(visit_ids)


def _visit_findings(_page: str, *, visit: Visit, can_review: bool, **_context: t.Any) -> str:
    return render_template("findings/_visit_findings.html", visit=visit, can_review=can_review,
                           findings=services.visit_findings(visit.id), severities=list(Severity))


def _school_findings(_page: str, *, school: School, **_context: t.Any) -> str:
    findings = db.session.scalars(
        sa.select(Finding).where(Finding.school_id == school.id)
        .options(orm.joinedload(Finding.rectification), orm.joinedload(Finding.item))
        .order_by(Finding.id.desc())
    ).unique().all()
    return render_template("findings/_school_findings.html", findings=findings)


def _may_view_own_file(user: User, attachment: Attachment) -> bool:
    finding = db.session.get(Finding, attachment.finding_id)
    return finding is not None and can_view_finding(user, finding)


def _may_view_photo_behind(user: User, attachment: Attachment) -> bool:
    """A school sees the inspection photos behind its own confirmed findings.

    Those of the finding's item, and of the photo questions detailing it, in the same repeat entry.
    """
    visit = db.session.get(Visit, attachment.visit_id)
    if visit is None or user.role != Role.SCHOOL or visit.school_id != user.school_id:
        return False
    item = db.session.get(ChecklistItem, attachment.item_id) if attachment.item_id else None
    if item is None:
        return False
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Finding.visit_id == visit.id, Finding.item_id == (item.detail_of_id or item.id),
        Finding.instance_id.is_(None) if attachment.instance_id is None
        else Finding.instance_id == attachment.instance_id,
        Finding.status == FindingStatus.CONFIRMED,
    ))))


def _finding_names(_sender: str, *, ids: list[int], **_: t.Any) -> dict[int, str]:
    """Findings as people call them in the audit log: the school and the problem number."""
    stmt = sa.select(Finding).where(Finding.id.in_(ids)).options(orm.joinedload(Finding.school),
                                                                 orm.joinedload(Finding.campaign))
    return {f.id: f"{f.school.name} {f.reference}" for f in db.session.scalars(stmt)}


def connect_signals() -> None:
    """Connect the receivers (the app factory calls this once per app; connecting again is harmless)."""
    signals.audit_object_names.connect(_finding_names, sender="findings")
    signals.visit_submitted.connect(_on_visit_submitted)
    signals.visit_approving.connect(_on_visit_approving)
    signals.visit_waived_items.connect(_on_waived_items)
    signals.page_panels.connect(_visit_findings, sender="visits.show")
    signals.page_panels.connect(_school_findings, sender="schools.show")
    owners.add_viewer("finding_id", _may_view_own_file)
    owners.add_viewer("visit_id", _may_view_photo_behind)
