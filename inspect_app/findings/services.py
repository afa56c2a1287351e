"""Review of findings: confirm with a deadline, dismiss with a reason, edit the wording."""

from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..checklists.models import Severity
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..rectification import services as rect_services
from ..rectification.models import Rectification
from ..rectification.models import RectificationStatus
from ..schools.models import School
from ..visits.models import VisitStatus
from ..visits.permissions import school_filter
from .models import Finding
from .models import FindingStatus

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_DESCRIPTION = 2000


def _clean_description(description: str) -> str:
    text = description.strip()
    if not text:
        raise ValidationFailed(_("The problem description cannot be empty."))
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(_("The problem description is longer than %(n)d characters.", n=MAX_DESCRIPTION))
    return text


def edit_finding(finding: Finding, *, description: str, severity: Severity, actor: User) -> None:
    """Reword a finding or change its severity (before it is closed)."""
    if finding.status == FindingStatus.DISMISSED:
        raise InvalidTransition(_("A dismissed finding cannot be edited."))
    if finding.rectification and finding.rectification.status == RectificationStatus.CLOSED:
        raise InvalidTransition(_("A closed finding cannot be edited."))
    before = audit.snapshot(finding, ("description", "severity"))
    finding.description = _clean_description(description)
    finding.severity = severity
    after = audit.snapshot(finding, ("description", "severity"))
    if before != after:
        audit.record(actor, "finding.edit", finding, before=before, after=after)


def confirm_finding(
    finding: Finding,
    *,
    due_on: date | None = None,
    description: str | None = None,
    severity: Severity | None = None,
    actor: User,
) -> Rectification:
    """Confirm a raised finding and open its rectification with a deadline."""
    if finding.status != FindingStatus.RAISED:
        raise InvalidTransition(_("Only a finding awaiting review can be confirmed."))
    if finding.visit.status != VisitStatus.SUBMITTED:
        raise InvalidTransition(_("Findings are confirmed while their visit is under review."))
    due_on = due_on or finding.campaign.default_due_on
    if due_on < local_today():
        raise ValidationFailed(_("The deadline %(date)s has already passed.", date=due_on.isoformat()))
    if description is not None or severity is not None:
        edit_finding(finding, description=description or finding.description,
                     severity=severity or finding.severity, actor=actor)
    finding.status = FindingStatus.CONFIRMED
    finding.decided_at, finding.decided_by_id = utcnow(), actor.id
    school = finding.school
    rect = Rectification(
        finding=finding,
        status=RectificationStatus.NOT_STARTED,
        due_on=due_on,
        responsible_unit=school.name,
        responsible_person=school.contact_name,
    )
    db.session.add(rect)
    db.session.flush()
    audit.record(actor, "finding.confirm", finding, before={"status": FindingStatus.RAISED},
                 after={"status": finding.status, "due_on": due_on})
    audit.record(actor, "rectification.open", rect, object_type="rectifications", school_id=finding.school_id,
                 campaign_id=finding.campaign_id, after=audit.snapshot(rect, ("status", "due_on")))
    rect_services.notify_opened(rect, actor=actor)
    return rect


def dismiss_finding(finding: Finding, *, reason: str, actor: User) -> None:
    """Dismiss a raised finding; the reason is kept."""
    if finding.status != FindingStatus.RAISED:
        raise InvalidTransition(_("Only a finding awaiting review can be dismissed."))
    if not reason.strip():
        raise ValidationFailed(_("Say why the finding is dismissed."))
    finding.status = FindingStatus.DISMISSED
    finding.dismiss_reason = reason.strip()
    finding.decided_at, finding.decided_by_id = utcnow(), actor.id
    audit.record(actor, "finding.dismiss", finding, before={"status": FindingStatus.RAISED},
                 after={"status": finding.status}, note=finding.dismiss_reason)


def visit_findings(visit_id: int) -> list[Finding]:
    stmt = (
        sa.select(Finding)
        .where(Finding.visit_id == visit_id)
        .options(orm.joinedload(Finding.item), orm.joinedload(Finding.rectification))
        .order_by(Finding.id)
    )
    return list(db.session.scalars(stmt).unique())


def finding_query(
    viewer: User,
    *,
    campaign_id: int | None = None,
    county_id: int | None = None,
    status: FindingStatus | None = None,
) -> sa.Select[Finding]:
    """Findings the viewer may see, with school, item and rectification loaded."""
    stmt = (
        sa.select(Finding)
        .join(School, School.id == Finding.school_id)
        .where(school_filter(viewer, Finding.school_id, School.county_id))
        .options(
            orm.contains_eager(Finding.school),
            orm.joinedload(Finding.item),
            orm.joinedload(Finding.rectification),
            orm.joinedload(Finding.campaign),
        )
    )
    if campaign_id:
        stmt = stmt.where(Finding.campaign_id == campaign_id)
    if county_id:
        stmt = stmt.where(School.county_id == county_id)
    if status:
        stmt = stmt.where(Finding.status == status)
    return stmt.order_by(Finding.id.desc())
