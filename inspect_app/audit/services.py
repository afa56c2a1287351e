"""Write and read the append-only audit log."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa

from ..core.privacy import mask_id_numbers
from ..core.privacy import mask_id_numbers_in
from ..extensions import db
from . import chain
from .models import AuditEntry

if t.TYPE_CHECKING:
    from ..auth.models import User

# The one entry of a tablet's batch of answers: about the visit, its ``after`` lists the changes.
ANSWER_BATCH = "answer.batch"


def _jsonable(value: t.Any) -> t.Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: t.Any, fields: t.Iterable[str]) -> dict[str, t.Any]:
    """Read ``fields`` off ``obj`` as JSON-ready values, for the before/after of an entry."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(
    actor: User | None,
    action: str,
    obj: t.Any = None,
    *,
    object_type: str | None = None,
    before: dict[str, t.Any] | None = None,
    after: dict[str, t.Any] | None = None,
    note: str | None = None,
    school_id: int | None = None,
    campaign_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the audit log; the caller's commit makes it permanent.

    ID numbers in ``before``, ``after`` and ``note`` are masked: the log keeps no personal data
    the roster files themselves do not (and those are deleted after their retention period).
    """
    if obj is not None and getattr(obj, "id", None) is None:
        # The entry names the object by id: a new object needs one. (Flushing every time would
        # write the entries of a batch one INSERT at a time.)
        db.session.flush()
    entry = AuditEntry(**entry_values(actor, action, obj, object_type=object_type, before=before, after=after,
                                      note=note, school_id=school_id, campaign_id=campaign_id))
    db.session.add(entry)
    return entry


def entry_values(
    actor: User | None,
    action: str,
    obj: t.Any = None,
    *,
    object_type: str | None = None,
    before: dict[str, t.Any] | None = None,
    after: dict[str, t.Any] | None = None,
    note: str | None = None,
    school_id: int | None = None,
    campaign_id: int | None = None,
) -> dict[str, t.Any]:
    """The columns of the entry :func:`record` writes, before it is sealed into the chain."""
    kind = object_type or (obj.__tablename__ if obj is not None else "system")
    object_id = getattr(obj, "id", None)
    if school_id is None:
        school_id = object_id if kind == "schools" else getattr(obj, "school_id", None)
    if campaign_id is None:
        campaign_id = object_id if kind == "campaigns" else getattr(obj, "campaign_id", None)
    return {
        "actor_id": actor.id if actor is not None else None,
        "actor_name": actor.username if actor is not None else "system",
        "action": action,
        "object_type": kind,
        "object_id": object_id,
        "school_id": school_id,
        "campaign_id": campaign_id,
        "before": mask_id_numbers_in(_jsonable(before)) if before is not None else None,
        "after": mask_id_numbers_in(_jsonable(after)) if after is not None else None,
        "note": mask_id_numbers(note) if note is not None else None,
    }


def history(object_type: str, object_ids: t.Iterable[int]) -> list[AuditEntry]:
    """Entries about the given objects, oldest first."""
    ids = list(object_ids)
    if not ids:
        return []
    stmt = (
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id.in_(ids))
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    return list(db.session.scalars(stmt))


def history_with_files(object_type: str, object_ids: t.Iterable[int], file_ids: t.Iterable[int]) -> list[AuditEntry]:
    """Entries about the given objects and the files added to them (``evidence.add``), oldest first.

    ``file_ids`` are the files they have now; those removed since are named by the objects'
    own ``evidence.remove`` entries.
    """
    own = history(object_type, object_ids)
    removed = [e.before.get("attachment") for e in own if e.action == "evidence.remove" and e.before]
    ids = [*file_ids, *(i for i in removed if isinstance(i, int))]
    added = [e for e in history("attachments", ids) if e.action == "evidence.add"]
    return sorted(own + added, key=lambda e: (e.created_at, e.id))


@dataclass(frozen=True)
class AnswerChange:
    """One change of an answer, read from the entry that recorded it: an answer's own entry
    (``answer.save``, ``answer.drop``), or one of the changes a batch's entry lists, told as
    ``answer.save`` tells it (``before`` and ``after`` in its shape)."""

    entry: AuditEntry
    action: str
    before: dict[str, t.Any] | None
    after: dict[str, t.Any]


def answer_changes(visit_id: int, answer_ids: t.Iterable[int]) -> list[AnswerChange]:
    """The changes of the given answers of a visit, oldest first, from both kinds of entries.

    One SELECT by the object index (the answers' own entries, and the visit's batch entries);
    the changes of a batch entry are picked by answer id in Python, which reads the same on
    SQLite and PostgreSQL, and a visit has few batches.
    """
    ids = set(answer_ids)
    if not ids:
        return []
    stmt = (
        sa.select(AuditEntry)
        .where(sa.or_(sa.and_(AuditEntry.object_type == "answers", AuditEntry.object_id.in_(sorted(ids))),
                      sa.and_(AuditEntry.object_type == "visits", AuditEntry.object_id == visit_id,
                              AuditEntry.action == ANSWER_BATCH)))
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    changes = []
    for entry in db.session.scalars(stmt):
        if entry.action != ANSWER_BATCH:
            changes.append(AnswerChange(entry, entry.action, entry.before, entry.after or {}))
            continue
        for change in (entry.after or {}).get("changes", []):
            if change.get("answer") in ids:
                after = {k: v for k, v in change.items() if k not in ("answer", "before", "rev")}
                changes.append(AnswerChange(entry, "answer.save", change.get("before"), after))
    return changes


def head() -> chain.Head:
    """The head of the audit chain — entry count, last id, time and hash — for pages and reports."""
    return chain.head(db.session)


def verify() -> chain.Verdict:
    """Check the whole audit chain; the verdict names the first entry that does not match."""
    return chain.verify(db.session)
