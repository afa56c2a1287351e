"""Field work: the inspector's visits, answers, submission and the supervisor's review."""

from __future__ import annotations

import math
import re
import typing as t
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..campaigns.models import Campaign
from ..campaigns.models import CampaignStatus
from ..checklists import values
from ..checklists.logic import CHOICE
from ..checklists.logic import CONSTRAINT
from ..checklists.logic import COUNT
from ..checklists.logic import MISSING
from ..checklists.logic import FormState
from ..checklists.logic import evaluate_form
from ..checklists.logic import session_plan
from ..checklists.models import ChecklistItem
from ..checklists.models import ItemType
from ..checklists.models import pick_label
from ..core import signals
from ..core.signals import values_from
from ..core.transitions import move_with_reason
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import County
from ..schools.models import School
from . import attachments
from .models import Answer
from .models import RepeatInstance
from .models import Visit
from .models import VisitInspector
from .models import VisitStatus
from .permissions import school_filter

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..findings.models import Finding

MAX_TEXT = values.MAX_TEXT


def inspector_visits(inspector: User) -> list[Visit]:
    """The inspector's visits in campaigns under way: today's and overdue first, then by date."""
    return list(db.session.scalars(inspector_visit_query(inspector)).unique())


def inspector_visit_query(inspector: User) -> sa.Select[Visit]:
    """The query of :func:`inspector_visits`, for a page of them."""
    return (
        sa.select(Visit)
        .join(VisitInspector, VisitInspector.visit_id == Visit.id)
        .join(Campaign, Campaign.id == Visit.campaign_id)
        .where(VisitInspector.user_id == inspector.id, Campaign.status == CampaignStatus.ACTIVE)
        .options(orm.joinedload(Visit.school).joinedload(School.county), orm.joinedload(Visit.campaign))
        .order_by(Visit.planned_on.is_(None), Visit.planned_on, Visit.id)
    )


def visit_list_query(viewer: User, *, status: VisitStatus | None = None,
                     campaign_id: int | None = None, city_id: int | None = None) -> sa.Select[Visit]:
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
    if city_id:
        stmt = stmt.where(School.county_id.in_(County.ids_of_city(city_id)))
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
             actor: User, at: datetime | None = None) -> None:
    """Record where and when the inspector arrived (GPS check-in); ``at`` is when the tablet took the fix."""
    require_editable(visit)
    if not (Decimal(-90) <= latitude <= Decimal(90) and Decimal(-180) <= longitude <= Decimal(180)):
        raise ValidationFailed(_("The position is not a valid latitude and longitude."))
    mark_started(visit, actor)
    visit.checkin_latitude = latitude.quantize(Decimal("0.000001"))
    visit.checkin_longitude = longitude.quantize(Decimal("0.000001"))
    visit.checkin_accuracy_m = accuracy_m.quantize(Decimal("0.1")) if accuracy_m is not None else None
    visit.checkin_at = at or utcnow()
    distance = checkin_distance(visit)
    audit.record(actor, "visit.checkin", visit, after={
        "latitude": visit.checkin_latitude, "longitude": visit.checkin_longitude,
        "accuracy_m": visit.checkin_accuracy_m, "distance_m": round(distance) if distance is not None else None,
    })


# A check-in farther than this from the school's known position is shown with a warning.
FAR_FROM_SCHOOL_M = 500


def distance_m(lat1: Decimal, lon1: Decimal, lat2: Decimal, lon2: Decimal) -> float:
    """The great-circle distance between two positions, in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def checkin_distance(visit: Visit) -> float | None:
    """How far the check-in was from the school's known position, in metres, where both are known."""
    school = visit.school
    if None in (visit.checkin_latitude, visit.checkin_longitude, school.latitude, school.longitude):
        return None
    return distance_m(t.cast(Decimal, visit.checkin_latitude), t.cast(Decimal, visit.checkin_longitude),
                      t.cast(Decimal, school.latitude), t.cast(Decimal, school.longitude))


def _value_refusal(kind: str, item: ChecklistItem, value: str) -> str:
    label = item.display_label
    messages = {
        "choice": lambda: _("“%(v)s” is not a choice of “%(item)s”.", v=value, item=label),
        "integer": lambda: _("“%(item)s” needs a whole number, not “%(v)s”.", item=label, v=value),
        "decimal": lambda: _("“%(item)s” needs a number, not “%(v)s”.", item=label, v=value),
        "date": lambda: _("“%(item)s” needs a date (YYYY-MM-DD), not “%(v)s”.", item=label, v=value),
        "time": lambda: _("“%(item)s” needs a time (HH:MM), not “%(v)s”.", item=label, v=value),
        "datetime": lambda: _("“%(item)s” needs a date and time (YYYY-MM-DD HH:MM), not “%(v)s”.",
                              item=label, v=value),
        "geopoint": lambda: _("“%(item)s” needs a position as latitude and longitude, not “%(v)s”.",
                              item=label, v=value),
        "acknowledge": lambda: _("“%(item)s” can only be ticked.", item=label),
        "text_length": lambda: _("“%(item)s” is longer than %(n)d characters.", item=label, n=MAX_TEXT),
    }
    return messages.get(kind, lambda: _("“%(item)s” does not take a typed answer.", item=label))()


def normalise_value(item: ChecklistItem, raw: str | None) -> str | None:
    """Check an answer against its item's type and return it in stored form (None = blank)."""
    try:
        return values.normalise(item.type, raw, {c["name"] for c in item.choices or []})
    except values.BadValue as err:
        raise ValidationFailed(_value_refusal(err.kind, item, err.value)) from err


def check_entry(visit: Visit, item: ChecklistItem, entry: RepeatInstance | None) -> None:
    """Refuse an item outside the visit's checklist, or an entry that is not the item's own (or is removed)."""
    if item.version_id != visit.checklist_version_id:
        raise ValidationFailed(_("This item does not belong to the visit's checklist."))
    if item.repeat_id is None and entry is not None:
        raise ValidationFailed(_("“%(item)s” is not part of a list of entries.", item=item.display_label))
    if item.repeat_id is not None and (entry is None or entry.item_id != item.repeat_id
                                       or entry.visit_id != visit.id or entry.removed_at is not None):
        raise ValidationFailed(_("“%(item)s” belongs to an entry of a list; choose the entry.",
                                 item=item.display_label))


def check_answer(visit: Visit, item: ChecklistItem, *, value: str | None, note: str | None,
                 entry: RepeatInstance | None) -> tuple[str | None, str | None]:
    """The answer and note as they would be stored, or the refusal ``save_answer`` would give."""
    require_editable(visit)
    check_entry(visit, item, entry)
    if item.readonly:
        raise ValidationFailed(_("“%(item)s” is filled in by the form and cannot be answered.",
                                 item=item.display_label))
    stored = None if item.type == ItemType.IMAGE else normalise_value(item, value)
    note = (note or "").strip() or None
    if note and len(note) > MAX_TEXT:
        raise ValidationFailed(_("The note is longer than %(n)d characters.", n=MAX_TEXT))
    return stored, note


def answer_audit(item: ChecklistItem, entry: RepeatInstance | None, value: str | None,
                 note: str | None) -> dict[str, t.Any]:
    """The ``after`` of an ``answer.save`` audit entry."""
    after: dict[str, t.Any] = {"item": item.name, "value": value, "note": note}
    if entry is not None:
        after["entry"] = entry.uuid
    return after


def save_answer(visit: Visit, item: ChecklistItem, *, value: str | None, note: str | None,
                actor: User, entry: RepeatInstance | None = None) -> Answer:
    """Store the answer to one item (and the inspector's note on it); blank clears it.

    Questions inside a repeat are answered per ``entry``.
    """
    stored, note = check_answer(visit, item, value=value, note=note, entry=entry)
    entry_id = entry.id if entry is not None else None
    answer = db.session.scalar(sa.select(Answer).where(
        Answer.visit_id == visit.id, Answer.item_id == item.id,
        Answer.instance_id.is_(None) if entry_id is None else Answer.instance_id == entry_id))
    if answer is not None and answer.value == stored and answer.note == note:
        return answer
    mark_started(visit, actor)
    before = {"value": answer.value, "note": answer.note} if answer else None
    if answer is None:
        answer = Answer(visit_id=visit.id, item_id=item.id, instance_id=entry_id, value=stored, note=note,
                        updated_by_id=actor.id)
        db.session.add(answer)
    else:
        answer.value, answer.note = stored, note
        answer.rev += 1
        answer.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "answer.save", answer, object_type="answers", school_id=visit.school_id,
                 campaign_id=visit.campaign_id, before=before, after=answer_audit(item, entry, stored, note))
    return answer


UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def add_entry(visit: Visit, repeat: ChecklistItem, *, actor: User, key: str | None = None) -> RepeatInstance:
    """Add an entry to a repeat (a list of entries, such as defects); ``key`` is a client-made UUID, if any."""
    require_editable(visit)
    if repeat.version_id != visit.checklist_version_id or repeat.type != ItemType.REPEAT:
        raise ValidationFailed(_("This item is not a list of entries of the visit's checklist."))
    if key is not None:
        key = key.strip().lower()
        if not UUID_RE.fullmatch(key):
            raise ValidationFailed(_("“%(key)s” is not a valid entry key.", key=key))
        existing = db.session.scalar(sa.select(RepeatInstance).where(RepeatInstance.uuid == key))
        if existing is not None:
            if existing.visit_id != visit.id or existing.item_id != repeat.id:
                raise ValidationFailed(_("“%(key)s” is not a valid entry key.", key=key))
            return existing
    position = (db.session.scalar(
        sa.select(sa.func.max(RepeatInstance.position)).where(RepeatInstance.visit_id == visit.id,
                                                              RepeatInstance.item_id == repeat.id)) or 0) + 1
    mark_started(visit, actor)
    entry = RepeatInstance(visit_id=visit.id, item_id=repeat.id, position=position, created_by_id=actor.id)
    if key is not None:
        entry.uuid = key
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "entry.add", entry, object_type="repeat_instances", school_id=visit.school_id,
                 campaign_id=visit.campaign_id, after={"repeat": repeat.name, "entry": entry.uuid})
    return entry


def entry_by_key(visit: Visit, key: str) -> RepeatInstance:
    """The visit's entry with this key (its UUID), or a refusal saying it does not exist."""
    entry = db.session.scalar(sa.select(RepeatInstance).where(RepeatInstance.uuid == key.lower(),
                                                              RepeatInstance.visit_id == visit.id))
    if entry is None:
        raise no_such_entry(key)
    return entry


def no_such_entry(key: str) -> ValidationFailed:
    """The refusal of an entry key the visit does not have."""
    return ValidationFailed(_("The entry “%(key)s” does not exist in this visit.", key=key))


def optional_entry(visit: Visit, key: t.Any) -> RepeatInstance | None:
    """The entry a request names by its key, if it names one (questions outside a repeat name none)."""
    return None if key in (None, "") else entry_by_key(visit, str(key))


def remove_entry(visit: Visit, entry: RepeatInstance, *, actor: User) -> None:
    """Remove an entry from its list; its answers stop counting (they are kept for the record)."""
    require_editable(visit)
    if entry.visit_id != visit.id:
        raise ValidationFailed(_("This entry does not belong to the visit."))
    if entry.removed_at is not None:
        return
    entry.removed_at = utcnow()
    audit.record(actor, "entry.remove", entry, object_type="repeat_instances", school_id=visit.school_id,
                 campaign_id=visit.campaign_id, before={"repeat": entry.item.name, "entry": entry.uuid})


Key = tuple[int, int | None]


def visit_answers(visit: Visit) -> dict[Key, Answer]:
    """The visit's answers by (item id, entry id or None)."""
    stmt = sa.select(Answer).where(Answer.visit_id == visit.id)
    return {(a.item_id, a.instance_id): a for a in db.session.scalars(stmt)}


def visit_entries(visit: Visit) -> dict[int, list[RepeatInstance]]:
    """The visit's current entries of each repeat item, in the order they were added."""
    stmt = (sa.select(RepeatInstance)
            .where(RepeatInstance.visit_id == visit.id, RepeatInstance.removed_at.is_(None))
            .order_by(RepeatInstance.position, RepeatInstance.id))
    entries: dict[int, list[RepeatInstance]] = {}
    for entry in db.session.scalars(stmt):
        entries.setdefault(entry.item_id, []).append(entry)
    return entries


def form_state(visit: Visit, answers: dict[Key, Answer] | None = None,
               entries: dict[int, list[RepeatInstance]] | None = None) -> FormState:
    """The visit's checklist logic evaluated over its answers: what is shown, missing or out of bounds."""
    answers = visit_answers(visit) if answers is None else answers
    entries = visit_entries(visit) if entries is None else entries
    return evaluate_form(
        session_plan(visit.checklist_version), {key: a.value for key, a in answers.items()},
        today=local_today().isoformat(),
        entries={item_id: [e.id for e in rows] for item_id, rows in entries.items()},
        photos=attachments.photo_counts(visit),
    )


def _where(item: ChecklistItem, entry: RepeatInstance | None, entries: dict[int, list[RepeatInstance]]) -> str:
    label = f"{item.name} {item.display_label}"
    if entry is None or item.repeat is None:
        return label
    number = next((n for n, e in enumerate(entries.get(item.repeat.id, []), 1) if e.id == entry.id), 0)
    return _("%(list)s, entry %(n)d: %(item)s", list=item.repeat.display_label, n=number, item=label)


def note_for(item: ChecklistItem, entry_id: int | None, answers: dict[Key, Answer]) -> str | None:
    """The inspector's description of what was found at an item: its text detail question, or its note."""
    detail = item.detail(ItemType.TEXT)
    answer = answers.get((detail.id if detail else item.id, entry_id))
    if answer is None:
        return None
    return answer.value if detail else answer.note


def submission_problems(visit: Visit, state: FormState, answers: dict[Key, Answer],
                        entries: dict[int, list[RepeatInstance]]) -> list[str]:
    """What stops the visit from being submitted, item by item."""
    problems = []
    by_id = {e.id: e for rows in entries.values() for e in rows}
    for question in state.states.values():
        item = question.item
        if not question.error and not (question.relevant and item.fail_values):
            continue  # nothing to say about it (the usual case): its label is not even looked up
        where = _where(item, by_id.get(question.instance_id or 0), entries)
        if question.error == MISSING:
            custom = state.pipe(pick_label(item.required_message), question.instance_id)
            if custom:
                problems.append(_("%(item)s: %(message)s", item=where, message=custom))
            elif item.type == ItemType.IMAGE:
                problems.append(_("%(item)s: a photo is required.", item=where))
            else:
                problems.append(_("%(item)s: an answer is required.", item=where))
        elif question.error == CHOICE:
            offered = set(question.choices or ())
            refused = " ".join(v for v in question.value.split() if v not in offered)
            problems.append(_("%(item)s: the choice “%(v)s” is not offered given the other answers.",
                              item=where, v=refused))
        elif question.error == COUNT:
            problems.append(_("%(item)s: %(n)d entries are asked for, there are %(m)d.", item=where,
                              n=question.count or 0, m=len(entries.get(item.id, []))))
        elif question.error == CONSTRAINT:
            custom = state.pipe(pick_label(item.constraint_message), question.instance_id)
            if custom:
                problems.append(_("%(item)s: %(message)s", item=where, message=custom))
            else:
                problems.append(_("%(item)s: the answer “%(v)s” is not allowed.", item=where, v=question.value))
        elif (question.relevant and item.fail_values and item.fails(question.value or None)
              and item.detail(ItemType.TEXT) is None and not note_for(item, question.instance_id, answers)):
            problems.append(_("%(item)s: the answer raises a problem; describe what was found in the note.",
                              item=where))
    return problems


def _drop_hidden(visit: Visit, state: FormState, answers: dict[Key, Answer], actor: User) -> None:
    """Clear the answers (and photos) of questions the form's logic hides, as ODK does on submission."""
    live = {(s.item.id, s.instance_id) for s in state.states.values() if s.relevant}
    for key, answer in answers.items():
        if key in live or (answer.value is None and answer.note is None):
            continue
        before = {"value": answer.value, "note": answer.note}
        answer.value = answer.note = None
        answer.rev += 1
        answer.updated_by_id = actor.id
        audit.record(actor, "answer.drop", answer, object_type="answers", school_id=visit.school_id,
                     campaign_id=visit.campaign_id, before=before, after={"item": answer.item.name})
    items = {i.id: i for i in visit.checklist_version.items}
    for attachment in attachments.visit_attachments(visit):
        key = (attachment.item_id or 0, attachment.instance_id)
        item = items.get(attachment.item_id or 0)
        hidden_question = item is not None and item.type == ItemType.IMAGE and key not in live
        removed_entry = attachment.instance_id is not None and key not in live
        if hidden_question or removed_entry:
            attachments.remove(attachment, actor=actor)


def _fill_defaults(visit: Visit, state: FormState, answers: dict[Key, Answer], actor: User) -> None:
    """Store the default of every shown question never answered: it is the answer the inspector left."""
    for question in state.states.values():
        item = question.item
        key = (item.id, question.instance_id)
        if question.relevant and item.default_value is not None and key not in answers:
            answer = Answer(visit_id=visit.id, item_id=item.id, instance_id=question.instance_id,
                            value=item.default_value, updated_by_id=actor.id)
            db.session.add(answer)
            db.session.flush()
            answers[key] = answer
            audit.record(actor, "answer.save", answer, object_type="answers", school_id=visit.school_id,
                         campaign_id=visit.campaign_id, after={"item": item.name, "value": item.default_value,
                                                               "default": True})


def _store_calculated(visit: Visit, state: FormState, answers: dict[Key, Answer], actor: User) -> None:
    """Store the value of every shown calculation, as the server computed it (never as the page sent it)."""
    for question in state.states.values():
        item = question.item
        if item.type != ItemType.CALCULATE or not question.relevant:
            continue
        key = (item.id, question.instance_id)
        value = question.value[:values.MAX_TEXT] or None
        answer = answers.get(key)
        if answer is not None and answer.value == value:
            continue
        before = {"value": answer.value} if answer is not None else None
        if answer is None:
            answer = Answer(visit_id=visit.id, item_id=item.id, instance_id=question.instance_id, value=value,
                            updated_by_id=actor.id)
            db.session.add(answer)
            answers[key] = answer
        else:
            answer.value = value
            answer.rev += 1
            answer.updated_by_id = actor.id
        db.session.flush()
        audit.record(actor, "answer.save", answer, object_type="answers", school_id=visit.school_id,
                     campaign_id=visit.campaign_id, before=before,
                     after={"item": item.name, "value": value, "calculated": True})


def submit_visit(visit: Visit, *, actor: User) -> list[Finding]:
    """Submit the visit for review; the findings its failing answers raise are returned.

    The server is authoritative: it evaluates the form's logic again, refuses missing answers and
    broken constraints, stores the defaults left in place and clears the answers of hidden
    questions. The findings package, told by ``visit_submitted``, raises one finding per failing
    item (per entry, inside a repeat).
    """
    require_editable(visit)
    answers = visit_answers(visit)
    entries = visit_entries(visit)
    state = form_state(visit, answers, entries)
    problems = submission_problems(visit, state, answers, entries)
    if problems:
        raise ValidationFailed(_("The visit cannot be submitted yet: %(n)d item(s) need attention.",
                                 n=len(problems)), details=problems)
    _fill_defaults(visit, state, answers, actor)
    _store_calculated(visit, state, answers, actor)
    _drop_hidden(visit, state, answers, actor)
    raised = [finding for found in values_from(signals.visit_submitted.send(
        visit, actor=actor, state=state, answers=answers)) for finding in found]
    before = visit.status
    visit.status = VisitStatus.SUBMITTED
    visit.submitted_at, visit.submitted_by_id = utcnow(), actor.id
    visit.return_reason = None
    audit.record(actor, "visit.submit", visit, before={"status": before},
                 after={"status": visit.status, "findings_raised": len(raised)})
    return raised


def return_visit(visit: Visit, *, reason: str, actor: User) -> None:
    """Send a submitted visit back to its inspectors with the reason."""
    note = move_with_reason(visit, source=VisitStatus.SUBMITTED, target=VisitStatus.RETURNED, reason=reason,
                            reason_field="return_reason", decided_fields=("reviewed_at", "reviewed_by_id"),
                            actor_id=actor.id, wrong_state=_("Only a submitted visit can be returned."),
                            no_reason=_("Say why the visit is returned."))
    audit.record(actor, "visit.return", visit, before={"status": VisitStatus.SUBMITTED},
                 after={"status": visit.status}, note=note)


def approve_visit(visit: Visit, *, actor: User) -> None:
    """Accept a submitted visit once every finding on it has been confirmed or dismissed."""
    if visit.status != VisitStatus.SUBMITTED:
        raise InvalidTransition(_("Only a submitted visit can be approved."))
    signals.visit_approving.send(visit, actor=actor)
    visit.status = VisitStatus.APPROVED
    visit.reviewed_at, visit.reviewed_by_id = utcnow(), actor.id
    audit.record(actor, "visit.approve", visit, before={"status": VisitStatus.SUBMITTED},
                 after={"status": visit.status})


def is_due(visit: Visit) -> bool:
    """Planned for today or earlier and not yet submitted."""
    return visit.status.editable and visit.planned_on is not None and visit.planned_on <= local_today()
