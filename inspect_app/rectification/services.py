"""Rectification of confirmed findings: one transition table, extensions, bulk actions, every move audited."""

from __future__ import annotations

import typing as t
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..checklists.models import ChecklistItem
from ..checklists.models import ChecklistSection
from ..checklists.models import Severity
from ..core.inputs import query_id
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..findings.models import Finding
from ..media.models import Attachment
from ..notifications import services as notifications
from ..schools.models import County
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..visits.permissions import school_filter
from .models import ExtensionRequest
from .models import ExtensionStatus
from .models import Rectification
from .models import RectificationStatus as S

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_TEXT = 4000
MAX_UNIT = 128
MAX_PERSON = 64
# How far ahead a deadline may be moved, from today.
MAX_DEADLINE_DAYS = 366
# The filter value for findings outside any checklist section (written by hand).
NO_SECTION = "-"

TRANSITIONS: dict[S, set[S]] = {
    S.NOT_STARTED: {S.IN_PROGRESS, S.SUBMITTED},
    S.IN_PROGRESS: {S.SUBMITTED},
    S.PARTIAL: {S.SUBMITTED},
    S.RETURNED: {S.IN_PROGRESS, S.SUBMITTED},
    S.SUBMITTED: {S.CLOSED, S.RETURNED, S.PARTIAL},
    S.CLOSED: set(),
}


# --- SQL conditions shared by the list, the dashboard and the reminders ------------------------------------


def is_open() -> sa.ColumnElement[bool]:
    return Rectification.status != S.CLOSED


def is_due_within(today: date, days: int) -> sa.ColumnElement[bool]:
    """Not closed, deadline today or within ``days`` days."""
    return sa.and_(is_open(), Rectification.due_on >= today, Rectification.due_on <= today + timedelta(days=days))


def section_name() -> sa.ColumnElement[str]:
    """The checklist section of a finding's item (needs the outer joins of :func:`with_sections`)."""
    return sa.func.coalesce(ChecklistSection.name, NO_SECTION)


def with_sections(stmt: sa.Select[t.Any]) -> sa.Select[t.Any]:
    return (stmt.outerjoin(ChecklistItem, ChecklistItem.id == Finding.item_id)
            .outerjoin(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id))


def _int(value: str | None, parse: t.Callable[[str], int] = query_id) -> int | None:
    """A number from the query string (by default an id, in the columns' range); None when malformed."""
    try:
        return parse(value) if value is not None and value != "" else None
    except ValueError:
        return None


E = t.TypeVar("E", bound=StrEnum)


def _member(enum: type[E], value: str | None) -> E | None:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RectFilter:
    """What the rectification list, its exports and the dashboard links select.

    The query-string names are those of :meth:`from_args`: ``campaign``, ``city``, ``county``, ``level``,
    ``section``, ``severity``, ``status``, ``overdue``, ``due`` (days), ``open``, ``extension``.
    """

    campaign_id: int | None = None
    county_id: int | None = None
    level: SchoolLevel | None = None
    city_id: int | None = None
    section: str | None = None
    severity: Severity | None = None
    status: S | None = None
    overdue: bool = False
    due_within: int | None = None
    open_only: bool = False
    extension_pending: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> RectFilter:
        """Read the filter from query-string arguments; unknown or malformed values are ignored."""
        due = _int(args.get("due"), int)
        section = (args.get("section") or "").strip()[:64]
        return cls(
            campaign_id=_int(args.get("campaign")),
            county_id=_int(args.get("county")),
            city_id=_int(args.get("city")),
            level=_member(SchoolLevel, args.get("level")),
            section=section or None,
            severity=_member(Severity, args.get("severity")),
            status=_member(S, args.get("status")),
            overdue=bool(args.get("overdue")),
            due_within=due if due is not None and 0 <= due <= MAX_DEADLINE_DAYS else None,
            open_only=bool(args.get("open")),
            extension_pending=args.get("extension") == "pending",
        )

    def args(self) -> dict[str, str]:
        """The query-string arguments that select this filter (the inverse of :meth:`from_args`)."""
        values = {
            "campaign": self.campaign_id, "city": self.city_id, "county": self.county_id, "level": self.level,
            "section": self.section,
            "severity": self.severity, "status": self.status, "overdue": "1" if self.overdue else None,
            "due": self.due_within, "open": "1" if self.open_only else None,
            "extension": "pending" if self.extension_pending else None,
        }
        return {k: str(getattr(v, "value", v)) for k, v in values.items() if v not in (None, "")}

    def but(self, **changes: t.Any) -> RectFilter:
        return RectFilter(**{**asdict(self), **changes})

    def apply(self, stmt: sa.Select[t.Any], today: date | None = None) -> sa.Select[t.Any]:
        """Add the filter's conditions to a query already joined to Finding and School."""
        today = today or local_today()
        if self.campaign_id:
            stmt = stmt.where(Finding.campaign_id == self.campaign_id)
        if self.county_id:
            stmt = stmt.where(School.county_id == self.county_id)
        if self.city_id:
            stmt = stmt.where(School.county_id.in_(County.ids_of_city(self.city_id)))
        if self.level:
            stmt = stmt.where(School.level == self.level)
        if self.section == NO_SECTION:
            in_no_section = sa.select(ChecklistItem.id).where(ChecklistItem.section_id.is_(None))
            stmt = stmt.where(sa.or_(Finding.item_id.is_(None), Finding.item_id.in_(in_no_section)))
        elif self.section:
            in_section = (sa.select(ChecklistItem.id)
                          .join(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id)
                          .where(ChecklistSection.name == self.section))
            stmt = stmt.where(Finding.item_id.in_(in_section))
        if self.severity:
            stmt = stmt.where(Finding.severity == self.severity)
        if self.status:
            stmt = stmt.where(Rectification.status == self.status)
        if self.overdue:
            stmt = stmt.where(Rectification.overdue_on(today))
        if self.due_within is not None:
            stmt = stmt.where(is_due_within(today, self.due_within))
        if self.open_only:
            stmt = stmt.where(is_open())
        if self.extension_pending:
            pending = sa.select(ExtensionRequest.rectification_id).where(
                ExtensionRequest.status == ExtensionStatus.PENDING)
            stmt = stmt.where(Rectification.id.in_(pending))
        return stmt


def scoped(viewer: User | None, filters: RectFilter | None, *entities: t.Any) -> sa.Select[t.Any]:
    """A query of ``entities`` over the rectifications in the viewer's scope (None: all), filtered."""
    stmt = (
        sa.select(*entities)
        .select_from(Rectification)
        .join(Finding, Finding.id == Rectification.finding_id)
        .join(School, School.id == Finding.school_id)
    )
    if viewer is not None:
        stmt = stmt.where(school_filter(viewer, Finding.school_id, School.county_id))
    return (filters or RectFilter()).apply(stmt)


def rectification_query(viewer: User | None, filters: RectFilter | None = None, **criteria: t.Any) -> sa.Select[t.Any]:
    """Rectifications the viewer may see (None: every one), filtered, most urgent first.

    ``criteria`` are :class:`RectFilter` fields, for callers that need only one or two.
    """
    filters = filters or RectFilter()
    if criteria:
        filters = filters.but(**criteria)
    stmt = scoped(viewer, filters, Rectification).options(
        orm.contains_eager(Rectification.finding).contains_eager(Finding.school),
        orm.contains_eager(Rectification.finding).joinedload(Finding.item),
        orm.contains_eager(Rectification.finding).joinedload(Finding.campaign),
    )
    return stmt.order_by(*urgent_first())


def urgent_first() -> tuple[t.Any, ...]:
    """The order of a list of rectifications: open ones first, then by deadline."""
    return sa.case((Rectification.status == S.CLOSED, 1), else_=0), Rectification.due_on, Rectification.id


class SectionChoice(t.NamedTuple):
    name: str
    label: str


def section_choices() -> list[SectionChoice]:
    """The checklist sections that have findings, label from the newest version, in checklist order."""
    names = set(db.session.scalars(with_sections(sa.select(section_name()).select_from(Finding)).distinct()))
    labels = section_labels(names)
    order = {name: position for name, position in db.session.execute(
        sa.select(ChecklistSection.name, sa.func.min(ChecklistSection.position))
        .where(ChecklistSection.name.in_(names)).group_by(ChecklistSection.name))}
    return sorted((SectionChoice(n, labels[n]) for n in names), key=lambda c: (order.get(c.name, 10_000), c.name))


def section_labels(names: t.Iterable[str]) -> dict[str, str]:
    """A label for each section name (the newest checklist version's); findings outside any are "Other"."""
    wanted = set(names)
    labels = {NO_SECTION: _("Other")} if NO_SECTION in wanted else {}
    stmt = (sa.select(ChecklistSection).where(ChecklistSection.name.in_(wanted - {NO_SECTION}))
            .order_by(ChecklistSection.version_id))
    for section in db.session.scalars(stmt):
        labels[section.name] = f"{section.name} {section.display_label}" if section.name != section.display_label \
            else section.name
    return labels


def pending_extension_ids(rect_ids: t.Iterable[int]) -> set[int]:
    """Which of the given rectifications have an extension request awaiting a decision."""
    ids = list(rect_ids)
    if not ids:
        return set()
    stmt = sa.select(ExtensionRequest.rectification_id).where(
        ExtensionRequest.rectification_id.in_(ids), ExtensionRequest.status == ExtensionStatus.PENDING)
    return set(db.session.scalars(stmt))


# --- transitions ------------------------------------------------------------------------------------------


def _check(rect: Rectification, target: S) -> None:
    if target not in TRANSITIONS[rect.status]:
        raise InvalidTransition(
            _("A rectification that is “%(current)s” cannot become “%(target)s”.",
              current=rect.status.label, target=target.label)
        )


def _scope(rect: Rectification) -> dict[str, t.Any]:
    return {"object_type": "rectifications", "school_id": rect.finding.school_id,
            "campaign_id": rect.finding.campaign_id}


def _evidence(rect: Rectification) -> list[dict[str, t.Any]]:
    stmt = sa.select(Attachment).where(Attachment.rectification_id == rect.id).order_by(Attachment.id)
    return [{"id": a.id, "file": a.original_name, "sha256": a.sha256} for a in db.session.scalars(stmt)]


def _params(rect: Rectification, **extra: t.Any) -> dict[str, t.Any]:
    finding = rect.finding
    return {"reference": finding.reference, "school": finding.school.name,
            "description": finding.description[:120], **{k: v for k, v in extra.items() if v is not None}}


def _tell_school(rect: Rectification, kind: str, *, actor: User | None, **params: t.Any) -> None:
    notifications.notify(notifications.school_contacts(rect.finding.school_id), kind, rect=rect,
                         params=_params(rect, **params), exclude=actor)


def _tell_supervisors(rect: Rectification, kind: str, *, actor: User | None, **params: t.Any) -> None:
    notifications.notify(notifications.supervisors_for(rect.finding.school), kind, rect=rect,
                         params=_params(rect, **params), exclude=actor)


def _move(rect: Rectification, target: S, *, actor: User, note: str | None = None) -> None:
    """Apply one transition of the table and write it, with the evidence at that moment, to the audit log."""
    _check(rect, target)
    before = rect.status
    rect.status = target
    audit.record(actor, f"rectification.{target.value}", rect, **_scope(rect),
                 before={"status": before}, after={"status": target, "evidence": _evidence(rect)}, note=note)


def _text(value: str | None, *, what: str, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(what)
    if len(text) > limit:
        raise ValidationFailed(_("The text is longer than %(n)d characters.", n=limit))
    return text or None


def open_rectification(finding: Finding, *, due_on: date, actor: User) -> Rectification:
    """Open the rectification of a confirmed finding, answerable by the school, and tell the school."""
    school = finding.school
    rect = Rectification(finding=finding, status=S.NOT_STARTED, due_on=due_on, responsible_unit=school.name,
                         responsible_person=school.contact_name)
    db.session.add(rect)
    db.session.flush()
    audit.record(actor, "rectification.open", rect, **_scope(rect), after=audit.snapshot(rect, ("status", "due_on")))
    notify_opened(rect, actor=actor)
    return rect


def notify_opened(rect: Rectification, *, actor: User | None) -> None:
    """Tell the school's contacts that a problem was confirmed and by when it must be rectified."""
    _tell_school(rect, "rectification.opened", actor=actor, date=rect.due_on.isoformat())


def save_measures(rect: Rectification, *, measures: str, actor: User) -> None:
    """The school records the measures taken so far (整改措施)."""
    if rect.status in (S.SUBMITTED, S.CLOSED):
        raise InvalidTransition(
            _("The rectification is “%(status)s” and cannot be edited.", status=rect.status.label)
        )
    text = _text(measures, what=_("Describe the measures taken."))
    if text == rect.measures:
        return
    before = rect.measures
    rect.measures = text
    audit.record(actor, "rectification.measures", rect, **_scope(rect),
                 before={"measures": before}, after={"measures": text})
    if rect.status in (S.NOT_STARTED, S.RETURNED):
        _move(rect, S.IN_PROGRESS, actor=actor)


def submit(rect: Rectification, *, actor: User) -> None:
    """The school reports the problem fixed and asks for verification (复核)."""
    _check(rect, S.SUBMITTED)
    if not rect.measures:
        raise ValidationFailed(_("Describe the measures taken before submitting."))
    evidence = db.session.scalar(
        sa.select(sa.func.count()).select_from(Attachment).where(Attachment.rectification_id == rect.id)
    )
    if not evidence:
        raise ValidationFailed(_("Upload at least one piece of evidence (photo or PDF) before submitting."))
    _move(rect, S.SUBMITTED, actor=actor)
    rect.submitted_at, rect.submitted_by_id = utcnow(), actor.id
    rect.return_reason = None
    _tell_supervisors(rect, "rectification.submitted", actor=actor)


def close(rect: Rectification, *, note: str | None, actor: User) -> None:
    """Verify and close (销号) a rectification the school has submitted.

    A pending extension request is no longer needed and is cancelled with it.
    """
    text = _text(note, what="", required=False)
    _move(rect, S.CLOSED, actor=actor, note=text)
    rect.verified_at, rect.verified_by_id = utcnow(), actor.id
    rect.verify_note = text
    rect.closed_on = local_today()
    pending = pending_extension(rect)
    if pending is not None:
        _decide(pending, ExtensionStatus.CANCELLED, note=_("Closed before a decision; no longer needed."),
                actor=actor, action="rectification.extension_cancel")
    _tell_school(rect, "rectification.closed", actor=actor, note=text)


def return_to_school(rect: Rectification, *, reason: str, actor: User) -> None:
    """Send a submitted rectification back (退回) with the reason."""
    text = _text(reason, what=_("Say why the rectification is returned."))
    _move(rect, S.RETURNED, actor=actor, note=text)
    rect.verified_at, rect.verified_by_id = utcnow(), actor.id
    rect.return_reason = text
    _tell_school(rect, "rectification.returned", actor=actor, note=text)


def mark_partial(rect: Rectification, *, note: str, actor: User) -> None:
    """Record on verification that only part of the problem is fixed (部分整改); it stays open."""
    text = _text(note, what=_("Say what remains to be done."))
    _move(rect, S.PARTIAL, actor=actor, note=text)
    rect.verified_at, rect.verified_by_id = utcnow(), actor.id
    rect.verify_note = text
    _tell_school(rect, "rectification.partial", actor=actor, note=text)


# --- deadlines, extensions and the responsible people -------------------------------------------------------


def _require_open(rect: Rectification, message: str) -> None:
    if rect.status == S.CLOSED:
        raise InvalidTransition(message)


def _check_new_deadline(due_on: date) -> None:
    today = local_today()
    if due_on < today:
        raise ValidationFailed(_("The deadline %(date)s has already passed.", date=due_on.isoformat()))
    if due_on > today + timedelta(days=MAX_DEADLINE_DAYS):
        raise ValidationFailed(_("The deadline %(date)s is more than a year away.", date=due_on.isoformat()))


def set_due_on(rect: Rectification, due_on: date, *, actor: User, note: str | None = None) -> None:
    """Change the deadline of an open rectification; the old one stays in the history."""
    _require_open(rect, _("A closed rectification has no deadline to change."))
    _check_new_deadline(due_on)
    if due_on == rect.due_on:
        return
    before = rect.due_on
    rect.due_on = due_on
    audit.record(actor, "rectification.deadline", rect, **_scope(rect),
                 before={"due_on": before}, after={"due_on": due_on}, note=note)
    _tell_school(rect, "rectification.deadline", actor=actor, date=due_on.isoformat())


def set_responsible(rect: Rectification, *, unit: str | None, person: str | None, actor: User) -> None:
    """Name the unit and the person answerable for the rectification (责任单位, 责任人)."""
    _require_open(rect, _("A closed rectification cannot be reassigned."))
    new_unit = _text(unit, what="", required=False, limit=MAX_UNIT)
    new_person = _text(person, what="", required=False, limit=MAX_PERSON)
    before = audit.snapshot(rect, ("responsible_unit", "responsible_person"))
    rect.responsible_unit, rect.responsible_person = new_unit, new_person
    after = audit.snapshot(rect, ("responsible_unit", "responsible_person"))
    if before != after:
        audit.record(actor, "rectification.responsible", rect, **_scope(rect), before=before, after=after)


def pending_extension(rect: Rectification) -> ExtensionRequest | None:
    return db.session.scalar(sa.select(ExtensionRequest).where(
        ExtensionRequest.rectification_id == rect.id, ExtensionRequest.status == ExtensionStatus.PENDING))


def request_extension(rect: Rectification, *, reason: str, proposed_due_on: date, actor: User) -> ExtensionRequest:
    """The school asks for a later deadline (延期申请), saying why; the supervisors in scope are told."""
    _require_open(rect, _("A closed rectification needs no extension."))
    if pending_extension(rect) is not None:
        raise InvalidTransition(_("An extension request for %(reference)s is already awaiting a decision.",
                                  reference=rect.finding.reference))
    text = _text(reason, what=_("Say why more time is needed."))
    if proposed_due_on <= rect.due_on:
        raise ValidationFailed(_("The proposed deadline %(date)s is not later than the current one, %(current)s.",
                                 date=proposed_due_on.isoformat(), current=rect.due_on.isoformat()))
    _check_new_deadline(proposed_due_on)
    request = ExtensionRequest(rectification_id=rect.id, reason=text, current_due_on=rect.due_on,
                               proposed_due_on=proposed_due_on, requested_by_id=actor.id)
    db.session.add(request)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:  # the partial unique index: a second request at the same moment
        raise InvalidTransition(_("An extension request for %(reference)s is already awaiting a decision.",
                                  reference=rect.finding.reference)) from exc
    audit.record(actor, "rectification.extension_request", rect, **_scope(rect), note=text,
                 after={"extension": request.id, "due_on": rect.due_on, "proposed_due_on": proposed_due_on})
    _tell_supervisors(rect, "extension.requested", actor=actor, date=proposed_due_on.isoformat(), note=text)
    return request


def _require_pending(request: ExtensionRequest) -> None:
    if request.status != ExtensionStatus.PENDING:
        raise InvalidTransition(_("This extension request has already been decided: %(status)s.",
                                  status=request.status.label))


def _decide(request: ExtensionRequest, status: ExtensionStatus, *, note: str | None, actor: User, action: str,
            before: dict[str, t.Any] | None = None, after: dict[str, t.Any] | None = None) -> None:
    request.status = status
    request.decision_note = note
    request.decided_at, request.decided_by_id = utcnow(), actor.id
    rect = request.rectification
    audit.record(actor, action, rect, **_scope(rect), note=note, before=before,
                 after={"extension": request.id, "status": status, **(after or {})})


def approve_extension(request: ExtensionRequest, *, due_on: date, note: str | None, actor: User) -> None:
    """Grant an extension with a new deadline (as asked, or another later date); the old one is kept."""
    _require_pending(request)
    rect = request.rectification
    text = _text(note, what="", required=False)
    if due_on <= rect.due_on:
        raise ValidationFailed(_("The new deadline %(date)s must be later than the current one, %(current)s.",
                                 date=due_on.isoformat(), current=rect.due_on.isoformat()))
    _check_new_deadline(due_on)
    before = rect.due_on
    rect.due_on = due_on
    request.granted_due_on = due_on
    _decide(request, ExtensionStatus.APPROVED, note=text, actor=actor, action="rectification.extension_approve",
            before={"due_on": before}, after={"due_on": due_on})
    _tell_school(rect, "extension.approved", actor=actor, date=due_on.isoformat(), note=text)


def reject_extension(request: ExtensionRequest, *, note: str, actor: User) -> None:
    """Refuse an extension, saying why; the deadline stands."""
    _require_pending(request)
    text = _text(note, what=_("Say why the extension is rejected."))
    _decide(request, ExtensionStatus.REJECTED, note=text, actor=actor, action="rectification.extension_reject")
    _tell_school(request.rectification, "extension.rejected", actor=actor, note=text)


def withdraw_extension(request: ExtensionRequest, *, actor: User) -> None:
    """The school takes back its own request before it is decided."""
    _require_pending(request)
    _decide(request, ExtensionStatus.CANCELLED, note=_("Withdrawn by the school."), actor=actor,
            action="rectification.extension_cancel")


# --- bulk actions over a ticked list --------------------------------------------------------------------------

BULK_ACTIONS = ("close", "return", "partial", "deadline", "responsible")


@dataclass
class BulkAction:
    """One action for a set of ticked rectifications, with its inputs."""

    action: str
    note: str = ""
    due_on: date | None = None
    unit: str = ""
    person: str = ""


def _bulk_steps(spec: BulkAction, actor: User) -> tuple[t.Callable[[Rectification], None],
                                                         t.Callable[[Rectification], None]]:
    """The per-row check (raises what the action would raise) and the action itself."""
    if spec.action == "close":
        _text(spec.note, what="", required=False)
        return (lambda r: _check(r, S.CLOSED)), (lambda r: close(r, note=spec.note, actor=actor))
    if spec.action == "return":
        _text(spec.note, what=_("Say why the rectifications are returned."))
        return (lambda r: _check(r, S.RETURNED)), (lambda r: return_to_school(r, reason=spec.note, actor=actor))
    if spec.action == "partial":
        _text(spec.note, what=_("Say what remains to be done."))
        return (lambda r: _check(r, S.PARTIAL)), (lambda r: mark_partial(r, note=spec.note, actor=actor))
    if spec.action == "deadline":
        if spec.due_on is None:
            raise ValidationFailed(_("Give the new deadline."))
        due_on = spec.due_on
        _check_new_deadline(due_on)
        note = _text(spec.note, what="", required=False)
        return ((lambda r: _require_open(r, _("A closed rectification has no deadline to change."))),
                (lambda r: set_due_on(r, due_on, actor=actor, note=note)))
    if spec.action == "responsible":
        _text(spec.unit, what="", required=False, limit=MAX_UNIT)
        _text(spec.person, what="", required=False, limit=MAX_PERSON)
        return ((lambda r: _require_open(r, _("A closed rectification cannot be reassigned."))),
                (lambda r: set_responsible(r, unit=spec.unit, person=spec.person, actor=actor)))
    raise ValidationFailed(_("Choose what to do with the ticked rectifications."))


def bulk_apply(rects: Sequence[Rectification], spec: BulkAction, *, actor: User) -> int:
    """Apply one action to every ticked rectification, or to none.

    Every row is checked first; if any cannot take the action, nothing changes and the refusal
    names each such row and why. Each row that changes gets its own audit entry.
    """
    if not rects:
        raise ValidationFailed(_("Tick at least one rectification."))
    check, apply = _bulk_steps(spec, actor)
    problems = []
    for rect in rects:
        try:
            check(rect)
        except ServiceError as err:
            problems.append(_("%(reference)s (%(school)s): %(reason)s", reference=rect.finding.reference,
                              school=rect.finding.school.name, reason=err.message))
    if problems:
        raise InvalidTransition(
            _("Nothing was changed: %(n)d of the %(total)d ticked rectifications cannot take this action.",
              n=len(problems), total=len(rects)),
            details=problems,
        )
    for rect in rects:
        apply(rect)
    return len(rects)
