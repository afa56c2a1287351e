"""Field work: the inspector's visits, answers, submission and the supervisor's review."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..campaigns.models import Campaign
from ..campaigns.models import CampaignStatus
from ..checklists.models import ChecklistItem
from ..checklists.models import ItemType
from ..checklists.models import Severity
from ..core.permissions import school_filter
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..schools.models import School
from .models import Answer
from .models import Visit
from .models import VisitInspector
from .models import VisitStatus

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_TEXT = 4000
INTEGER_LIMIT = 10**12


def inspector_visits(inspector: User) -> list[Visit]:
    """The inspector's visits in campaigns under way: today's and overdue first, then by date."""
    stmt = (
        sa.select(Visit)
        .join(VisitInspector, VisitInspector.visit_id == Visit.id)
        .join(Campaign, Campaign.id == Visit.campaign_id)
        .where(VisitInspector.user_id == inspector.id, Campaign.status == CampaignStatus.ACTIVE)
        .options(orm.joinedload(Visit.school).joinedload(School.county), orm.joinedload(Visit.campaign))
        .order_by(Visit.planned_on.is_(None), Visit.planned_on, Visit.id)
    )
    return list(db.session.scalars(stmt).unique())


def visit_list_query(viewer: User, *, status: VisitStatus | None = None,
                     campaign_id: int | None = None) -> sa.Select[Visit]:
    """Visits across campaigns that a staff user may see, latest activity first."""
    stmt = (
        sa.select(Visit)
        .join(School, School.id == Visit.school_id)
        .where(school_filter(viewer, Visit.school_id, School.county_id))
        .options(orm.contains_eager(Visit.school).joinedload(School.county), orm.joinedload(Visit.campaign),
                 orm.selectinload(Visit.assignments).joinedload(VisitInspector.user))
        .order_by(Visit.submitted_at.desc().nulls_last(), Visit.planned_on, Visit.id)
    )
    if status:
        stmt = stmt.where(Visit.status == status)
    if campaign_id:
        stmt = stmt.where(Visit.campaign_id == campaign_id)
    return stmt


def require_editable(visit: Visit) -> None:
    if not visit.status.editable:
        raise InvalidTransition(_("The visit has been submitted and can no longer be changed."))
    if visit.campaign.status != CampaignStatus.ACTIVE:
        raise InvalidTransition(_("Campaign %(code)s is not under way.", code=visit.campaign.code))


def mark_started(visit: Visit, actor: User) -> None:
    if visit.status in (VisitStatus.PLANNED, VisitStatus.RETURNED):
        before = visit.status
        visit.status = VisitStatus.IN_PROGRESS
        visit.started_at = visit.started_at or utcnow()
        audit.record(actor, "visit.start", visit, before={"status": before}, after={"status": visit.status})


def check_in(visit: Visit, *, latitude: Decimal, longitude: Decimal, accuracy_m: Decimal | None,
             actor: User) -> None:
    """Record where and when the inspector arrived (GPS check-in)."""
    require_editable(visit)
    if not (Decimal(-90) <= latitude <= Decimal(90) and Decimal(-180) <= longitude <= Decimal(180)):
        raise ValidationFailed(_("The position is not a valid latitude and longitude."))
    mark_started(visit, actor)
    visit.checkin_latitude = latitude.quantize(Decimal("0.000001"))
    visit.checkin_longitude = longitude.quantize(Decimal("0.000001"))
    visit.checkin_accuracy_m = accuracy_m.quantize(Decimal("0.1")) if accuracy_m is not None else None
    visit.checkin_at = utcnow()
    audit.record(actor, "visit.checkin", visit, after={
        "latitude": visit.checkin_latitude, "longitude": visit.checkin_longitude,
        "accuracy_m": visit.checkin_accuracy_m,
    })


def normalise_value(item: ChecklistItem, raw: str | None) -> str | None:
    """Check an answer against its item's type and return it in stored form (None = blank)."""
    value = (raw or "").strip()
    if value == "":
        return None
    label = item.display_label
    if item.type == ItemType.SELECT_ONE:
        if value not in {c["name"] for c in item.choices or []}:
            raise ValidationFailed(_("“%(v)s” is not a choice of “%(item)s”.", v=value, item=label))
        return value
    if item.type == ItemType.SELECT_MULTIPLE:
        names = {c["name"] for c in item.choices or []}
        picked = value.split()
        unknown = [v for v in picked if v not in names]
        if unknown:
            raise ValidationFailed(_("“%(v)s” is not a choice of “%(item)s”.", v=" ".join(unknown), item=label))
        return " ".join(dict.fromkeys(picked))
    if item.type == ItemType.INTEGER:
        if not re.fullmatch(r"-?\d+", value) or abs(int(value)) >= INTEGER_LIMIT:
            raise ValidationFailed(_("“%(item)s” needs a whole number, not “%(v)s”.", item=label, v=value))
        return str(int(value))
    if item.type == ItemType.DECIMAL:
        try:
            number = Decimal(value)
        except InvalidOperation as exc:
            raise ValidationFailed(_("“%(item)s” needs a number, not “%(v)s”.", item=label, v=value)) from exc
        if not number.is_finite() or abs(number) >= INTEGER_LIMIT:
            raise ValidationFailed(_("“%(item)s” needs a number, not “%(v)s”.", item=label, v=value))
        return str(number)
    if item.type == ItemType.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise ValidationFailed(
                _("“%(item)s” needs a date (YYYY-MM-DD), not “%(v)s”.", item=label, v=value)
            ) from exc
    if item.type == ItemType.TEXT:
        if len(value) > MAX_TEXT:
            raise ValidationFailed(_("“%(item)s” is longer than %(n)d characters.", item=label, n=MAX_TEXT))
        return value
    raise ValidationFailed(_("“%(item)s” does not take a typed answer.", item=label))


def save_answer(visit: Visit, item: ChecklistItem, *, value: str | None, note: str | None,
                actor: User) -> Answer:
    """Store the answer to one item (and the inspector's note on it); blank clears it."""
    require_editable(visit)
    if item.version_id != visit.checklist_version_id:
        raise ValidationFailed(_("This item does not belong to the visit's checklist."))
    stored = None if item.type == ItemType.IMAGE else normalise_value(item, value)
    note = (note or "").strip() or None
    if note and len(note) > MAX_TEXT:
        raise ValidationFailed(_("The note is longer than %(n)d characters.", n=MAX_TEXT))
    answer = db.session.scalar(sa.select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == item.id))
    if answer is not None and answer.value == stored and answer.note == note:
        return answer
    mark_started(visit, actor)
    before = {"value": answer.value, "note": answer.note} if answer else None
    if answer is None:
        answer = Answer(visit_id=visit.id, item_id=item.id, value=stored, note=note, updated_by_id=actor.id)
        db.session.add(answer)
    else:
        answer.value, answer.note = stored, note
        answer.rev += 1
        answer.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "answer.save", answer, object_type="answers", school_id=visit.school_id,
                 campaign_id=visit.campaign_id, before=before,
                 after={"item": item.name, "value": stored, "note": note})
    return answer


@dataclass
class SectionView:
    """One section of a visit's checklist with the current answers, for display."""

    name: str | None
    label: str
    items: list[ChecklistItem]


def visit_answers(visit: Visit) -> dict[int, Answer]:
    stmt = sa.select(Answer).where(Answer.visit_id == visit.id)
    return {a.item_id: a for a in db.session.scalars(stmt)}


def checklist_sections(visit: Visit) -> list[SectionView]:
    """The visit's checklist grouped by section, in form order (items outside sections first)."""
    version = visit.checklist_version
    loose = [i for i in version.items if i.section_id is None]
    views = [SectionView(None, _("Other items"), loose)] if loose else []
    views += [SectionView(s.name, s.display_label, list(s.items)) for s in version.sections]
    return views


def submission_problems(visit: Visit, answers: dict[int, Answer], photo_counts: dict[int, int]) -> list[str]:
    """What stops the visit from being submitted, item by item."""
    problems = []
    for item in visit.checklist_version.items:
        answer = answers.get(item.id)
        label = f"{item.name} {item.display_label}"
        if item.type == ItemType.IMAGE:
            if item.required and not photo_counts.get(item.id):
                problems.append(_("%(item)s: a photo is required.", item=label))
            continue
        if not item.type.takes_answer:
            continue
        if item.required and (answer is None or answer.value is None):
            problems.append(_("%(item)s: an answer is required.", item=label))
        if answer is not None and item.fails(answer.value) and not answer.note:
            problems.append(_("%(item)s: the answer raises a problem; describe what was found in the note.",
                              item=label))
    return problems


def submit_visit(visit: Visit, *, actor: User) -> list[Finding]:
    """Submit the visit for review and raise a finding for each failing answer."""
    from ..media.services import photo_counts

    require_editable(visit)
    answers = visit_answers(visit)
    problems = submission_problems(visit, answers, photo_counts(visit))
    if problems:
        raise ValidationFailed(_("The visit cannot be submitted yet: %(n)d item(s) need attention.",
                                 n=len(problems)), details=problems)
    existing = {
        f.item_id: f for f in db.session.scalars(sa.select(Finding).where(Finding.visit_id == visit.id))
    }
    raised = []
    for item in visit.checklist_version.items:
        answer = answers.get(item.id)
        finding = existing.get(item.id)
        if answer is not None and item.fails(answer.value):
            if finding is None:
                finding = Finding(
                    visit_id=visit.id, campaign_id=visit.campaign_id, school_id=visit.school_id, item_id=item.id,
                    answer_value=answer.value, inspector_note=answer.note,
                    description=answer.note or item.display_label, severity=item.severity or Severity.GENERAL,
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
                finding.answer_value, finding.inspector_note = answer.value, answer.note
                finding.description = answer.note or finding.description
        elif finding is not None and finding.status == FindingStatus.RAISED:
            finding.status = FindingStatus.DISMISSED
            finding.dismiss_reason = _("The answer was changed to a passing one before resubmission.")
            finding.decided_at, finding.decided_by_id = utcnow(), actor.id
            audit.record(actor, "finding.dismiss", finding, before={"status": FindingStatus.RAISED},
                         after={"status": finding.status}, note=finding.dismiss_reason)
    before = visit.status
    visit.status = VisitStatus.SUBMITTED
    visit.submitted_at, visit.submitted_by_id = utcnow(), actor.id
    visit.return_reason = None
    audit.record(actor, "visit.submit", visit, before={"status": before},
                 after={"status": visit.status, "findings_raised": len(raised)})
    return raised


def return_visit(visit: Visit, *, reason: str, actor: User) -> None:
    """Send a submitted visit back to its inspectors with the reason."""
    if visit.status != VisitStatus.SUBMITTED:
        raise InvalidTransition(_("Only a submitted visit can be returned."))
    if not reason.strip():
        raise ValidationFailed(_("Say why the visit is returned."))
    visit.status = VisitStatus.RETURNED
    visit.return_reason = reason.strip()
    visit.reviewed_at, visit.reviewed_by_id = utcnow(), actor.id
    audit.record(actor, "visit.return", visit, before={"status": VisitStatus.SUBMITTED},
                 after={"status": visit.status}, note=visit.return_reason)


def approve_visit(visit: Visit, *, actor: User) -> None:
    """Accept a submitted visit once every finding on it has been confirmed or dismissed."""
    if visit.status != VisitStatus.SUBMITTED:
        raise InvalidTransition(_("Only a submitted visit can be approved."))
    undecided = db.session.scalar(
        sa.select(sa.func.count()).select_from(Finding)
        .where(Finding.visit_id == visit.id, Finding.status == FindingStatus.RAISED)
    )
    if undecided:
        raise InvalidTransition(_("Confirm or dismiss every finding first: %(n)d still await a decision.",
                                  n=undecided))
    visit.status = VisitStatus.APPROVED
    visit.reviewed_at, visit.reviewed_by_id = utcnow(), actor.id
    audit.record(actor, "visit.approve", visit, before={"status": VisitStatus.SUBMITTED},
                 after={"status": visit.status})


def is_due(visit: Visit) -> bool:
    """Planned for today or earlier and not yet submitted."""
    return visit.status.editable and visit.planned_on is not None and visit.planned_on <= local_today()
