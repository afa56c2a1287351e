"""Review of findings: confirm with a deadline, dismiss with a reason, edit the wording."""

from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..checklists.models import ItemType
from ..checklists.models import Severity
from ..core import signals
from ..core.transitions import move_with_reason
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..media.models import Attachment
from ..schools.models import County
from ..schools.models import School
from ..visits.models import Answer
from ..visits.models import Visit
from ..visits.models import VisitStatus
from ..visits.permissions import school_filter
from ..visits.services import Key
from ..visits.services import note_for
from .models import Finding
from .models import FindingStatus

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..checklists.logic import FormState
    from ..rectification.models import Rectification

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
    if finding.rectification and finding.rectification.is_closed:
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
    """Confirm a raised finding; its rectification opens with the deadline (``finding_confirmed``)."""
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
    audit.record(actor, "finding.confirm", finding, before={"status": FindingStatus.RAISED},
                 after={"status": finding.status, "due_on": due_on})
    signals.finding_confirmed.send(finding, actor=actor, due_on=due_on)
    rect = finding.rectification
    if rect is None:  # the rectification package's receiver is not connected: a wiring fault, not the user's
        raise RuntimeError("finding_confirmed opened no rectification")
    return rect


def dismiss_finding(finding: Finding, *, reason: str, actor: User) -> None:
    """Dismiss a raised finding; the reason is kept."""
    note = move_with_reason(finding, source=FindingStatus.RAISED, target=FindingStatus.DISMISSED, reason=reason,
                            reason_field="dismiss_reason", decided_fields=("decided_at", "decided_by_id"),
                            actor_id=actor.id, wrong_state=_("Only a finding awaiting review can be dismissed."),
                            no_reason=_("Say why the finding is dismissed."))
    audit.record(actor, "finding.dismiss", finding, before={"status": FindingStatus.RAISED},
                 after={"status": finding.status}, note=note)


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
    city_id: int | None = None,
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
    if city_id:
        stmt = stmt.where(School.county_id.in_(County.ids_of_city(city_id)))
    if status:
        stmt = stmt.where(Finding.status == status)
    return stmt.order_by(Finding.id.desc())


# --- raised from a submitted visit (receivers of the visits package's signals) ----------------------------


def raise_findings(visit: Visit, *, state: FormState, answers: dict[Key, Answer], actor: User) -> list[Finding]:
    """Raise one finding per failing answer of a submitted visit (per entry, inside a repeat).

    A finding still awaiting review whose answer now passes is dismissed; one already raised is
    reworded from the inspector's current note.
    """
    stmt = sa.select(Finding).where(Finding.visit_id == visit.id, Finding.item_id.is_not(None))
    existing = {(f.item_id, f.instance_id): f for f in db.session.scalars(stmt)}
    raised = []
    for question in state.states.values():
        item, key = question.item, (question.item.id, question.instance_id)
        if not item.fail_values:
            continue
        answer = answers.get(key)
        finding = existing.pop(key, None)
        if question.relevant and answer is not None and item.fails(answer.value):
            note = note_for(item, question.instance_id, answers)
            if finding is None:
                finding = Finding(
                    visit_id=visit.id, campaign_id=visit.campaign_id, school_id=visit.school_id, item_id=item.id,
                    instance_id=question.instance_id, answer_value=answer.value, inspector_note=note,
                    description=note or item.display_label, severity=item.severity or Severity.GENERAL,
                    status=FindingStatus.RAISED, raised_by_id=actor.id,
                )
                db.session.add(finding)
                db.session.flush()
                audit.record(actor, "finding.raise", finding, after={
                    "item": item.name, "answer": answer.value, "severity": finding.severity,
                    "description": finding.description,
                })
                raised.append(finding)
            elif finding.status == FindingStatus.RAISED:
                finding.answer_value, finding.inspector_note = answer.value, note
                finding.description = note or finding.description
        elif finding is not None:
            existing[key] = finding
    for finding in existing.values():
        if finding.status == FindingStatus.RAISED:
            dismiss_finding(finding, reason=_("The answer was changed to a passing one before resubmission."),
                            actor=actor)
    return raised


def require_decided(visit: Visit) -> None:
    """Refuse to approve a visit while any of its findings awaits a decision."""
    undecided = db.session.scalar(
        sa.select(sa.func.count()).select_from(Finding)
        .where(Finding.visit_id == visit.id, Finding.status == FindingStatus.RAISED)
    )
    if undecided:
        raise InvalidTransition(_("Confirm or dismiss every finding first: %(n)d still await a decision.",
                                  n=undecided))


def dismissed_items(visit_ids: t.Sequence[int]) -> dict[int, set[Key]]:
    """The (item, entry) of each visit's dismissed findings: failing answers that cost no points."""
    dismissed: dict[int, set[Key]] = {}
    for visit_id, item_id, instance_id in db.session.execute(
            sa.select(Finding.visit_id, Finding.item_id, Finding.instance_id)
            .where(Finding.visit_id.in_(visit_ids), Finding.status == FindingStatus.DISMISSED,
                   Finding.item_id.is_not(None))):
        dismissed.setdefault(visit_id, set()).add((t.cast(int, item_id), instance_id))
    return dismissed


# --- the files behind a finding ------------------------------------------------------------------------------


def finding_files(finding: Finding) -> list[Attachment]:
    """Files kept as a finding's own evidence, such as the roster rows behind it."""
    stmt = sa.select(Attachment).where(Attachment.finding_id == finding.id).order_by(Attachment.id)
    return list(db.session.scalars(stmt))


def finding_photos(finding: Finding) -> list[Attachment]:
    """The inspection photos behind a finding: those of its item and of the item's photo questions."""
    item = finding.item
    if item is None:
        return []
    item_ids = [item.id] + [d.id for d in item.details if d.type == ItemType.IMAGE]
    stmt = (
        sa.select(Attachment)
        .where(Attachment.visit_id == finding.visit_id, Attachment.item_id.in_(item_ids),
               Attachment.instance_id.is_(None) if finding.instance_id is None
               else Attachment.instance_id == finding.instance_id)
        .order_by(Attachment.id)
    )
    return list(db.session.scalars(stmt))
