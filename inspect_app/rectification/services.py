"""Rectification of confirmed findings: one transition table, every move audited."""

from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..core.permissions import school_filter
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..findings.models import Finding
from ..media.models import Attachment
from ..schools.models import School
from .models import Rectification
from .models import RectificationStatus as S

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_TEXT = 4000

TRANSITIONS: dict[S, set[S]] = {
    S.NOT_STARTED: {S.IN_PROGRESS, S.SUBMITTED},
    S.IN_PROGRESS: {S.SUBMITTED},
    S.PARTIAL: {S.SUBMITTED},
    S.RETURNED: {S.IN_PROGRESS, S.SUBMITTED},
    S.SUBMITTED: {S.CLOSED, S.RETURNED, S.PARTIAL},
    S.CLOSED: set(),
}


def _check(rect: Rectification, target: S) -> None:
    if target not in TRANSITIONS[rect.status]:
        raise InvalidTransition(
            _("A rectification that is “%(current)s” cannot become “%(target)s”.",
              current=rect.status.label, target=target.label)
        )


def _move(rect: Rectification, target: S, *, actor: User, note: str | None = None) -> None:
    _check(rect, target)
    before = rect.status
    rect.status = target
    audit.record(actor, f"rectification.{target.value}", rect, object_type="rectifications",
                 school_id=rect.finding.school_id, campaign_id=rect.finding.campaign_id,
                 before={"status": before}, after={"status": target}, note=note)


def _text(value: str | None, *, what: str, required: bool = True) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(what)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_("The text is longer than %(n)d characters.", n=MAX_TEXT))
    return text or None


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
    audit.record(actor, "rectification.measures", rect, object_type="rectifications",
                 school_id=rect.finding.school_id, campaign_id=rect.finding.campaign_id,
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


def close(rect: Rectification, *, note: str | None, actor: User) -> None:
    """Verify and close (销号) a rectification the school has submitted."""
    _move(rect, S.CLOSED, actor=actor, note=_text(note, what="", required=False))
    rect.verified_at, rect.verified_by_id = utcnow(), actor.id
    rect.verify_note = (note or "").strip() or None
    rect.closed_on = local_today()


def return_to_school(rect: Rectification, *, reason: str, actor: User) -> None:
    """Send a submitted rectification back (退回) with the reason."""
    text = _text(reason, what=_("Say why the rectification is returned."))
    _move(rect, S.RETURNED, actor=actor, note=text)
    rect.verified_at, rect.verified_by_id = utcnow(), actor.id
    rect.return_reason = text


def mark_partial(rect: Rectification, *, note: str, actor: User) -> None:
    """Record on verification that only part of the problem is fixed (部分整改); it stays open."""
    text = _text(note, what=_("Say what remains to be done."))
    _move(rect, S.PARTIAL, actor=actor, note=text)
    rect.verified_at, rect.verified_by_id = utcnow(), actor.id
    rect.verify_note = text


def set_due_on(rect: Rectification, due_on: date, *, actor: User) -> None:
    """Change the deadline of an open rectification; the old one stays in the history."""
    if rect.status == S.CLOSED:
        raise InvalidTransition(_("A closed rectification has no deadline to change."))
    if due_on < local_today():
        raise ValidationFailed(_("The deadline %(date)s has already passed.", date=due_on.isoformat()))
    before = rect.due_on
    rect.due_on = due_on
    audit.record(actor, "rectification.deadline", rect, object_type="rectifications",
                 school_id=rect.finding.school_id, campaign_id=rect.finding.campaign_id,
                 before={"due_on": before}, after={"due_on": due_on})


def rectification_query(
    viewer: User,
    *,
    campaign_id: int | None = None,
    county_id: int | None = None,
    status: S | None = None,
    overdue: bool = False,
) -> sa.Select[Rectification]:
    """Rectifications the viewer may see, most urgent first."""
    stmt = (
        sa.select(Rectification)
        .join(Finding, Finding.id == Rectification.finding_id)
        .join(School, School.id == Finding.school_id)
        .where(school_filter(viewer, Finding.school_id, School.county_id))
        .options(
            orm.contains_eager(Rectification.finding).contains_eager(Finding.school),
            orm.contains_eager(Rectification.finding).joinedload(Finding.item),
            orm.contains_eager(Rectification.finding).joinedload(Finding.campaign),
        )
    )
    if campaign_id:
        stmt = stmt.where(Finding.campaign_id == campaign_id)
    if county_id:
        stmt = stmt.where(School.county_id == county_id)
    if status:
        stmt = stmt.where(Rectification.status == status)
    if overdue:
        stmt = stmt.where(Rectification.status != S.CLOSED, Rectification.due_on < local_today())
    return stmt.order_by(
        sa.case((Rectification.status == S.CLOSED, 1), else_=0), Rectification.due_on, Rectification.id
    )
