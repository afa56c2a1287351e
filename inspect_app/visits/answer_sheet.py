"""Many answers of one visit at once: read in one SELECT, changed in memory, written together.

``services.save_answer`` stores one answer with a read, a write and an audit entry of its own.
A tablet's batch names many answers of one visit: an :class:`AnswerSheet` reads those it may
touch in one SELECT, takes each change with the same checks as ``save_answer``
(``services.check_answer``) and the same outcome (an answer that does not change is not
written, a changed one moves to the next revision), and :meth:`AnswerSheet.write` stores them
with one INSERT of the new answers, one UPDATE of the changed ones and one audit entry for the
batch, whatever the number of answers.

The batch's entry (``answer.batch``, about the visit) lists its changes in order in its
``after``: each with the answer's id, the item's name (and the entry's key, in a list), the
value and note before and after, and the revision. It is bounded as the batch is: a batch holds
at most ``sync.ops.MAX_OPS`` (500) operations, so the entry at most as many changes, and each
value and note is bounded as an answer's are (``services.MAX_TEXT`` characters of text).
:func:`answer_history` reads an answer's changes back from both kinds of entries, the
``answer.save`` entries of the page and the batches' entries.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from . import services
from .models import Answer
from .models import RepeatInstance
from .models import Visit

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..checklists.models import ChecklistItem

Key = tuple[int, int | None]
COLUMNS = ("value", "note", "rev", "updated_by_id", "updated_at")


@dataclass
class Slot:
    """An answer as it stands in the batch: the stored row (if any) and its values now."""

    item_id: int
    instance_id: int | None
    value: str | None
    note: str | None
    rev: int
    updated_by_id: int | None
    updated_at: datetime
    stored: Answer | None = None
    changed: bool = False
    # The row's id (what its audit entries name); a new answer has one once written.
    id: int | None = None

    def before(self) -> dict[str, t.Any]:
        return {"value": self.value, "note": self.note}


class AnswerSheet:
    """The answers of ``visit`` to ``item_ids``, as a batch changes them."""

    def __init__(self, visit: Visit, item_ids: t.Iterable[int], *, read: t.Iterable[Answer] | None = None) -> None:
        """``read``: the answers of the visit to ``item_ids`` (and maybe to others) as the caller read them
        with what it read besides (see :func:`answers_of`), instead of a SELECT of their own."""
        self.visit = visit
        ids = sorted(set(item_ids))
        rows: t.Iterable[Answer]
        if read is not None:
            wanted = set(ids)
            rows = [a for a in read if a.item_id in wanted]
        else:
            rows = db.session.scalars(
                sa.select(Answer).where(Answer.visit_id == visit.id, Answer.item_id.in_(ids))
                .execution_options(populate_existing=True)).all() if ids else []
        self._slots: dict[Key, Slot] = {
            (a.item_id, a.instance_id): Slot(a.item_id, a.instance_id, a.value, a.note, a.rev, a.updated_by_id,
                                             a.updated_at, stored=a, id=a.id) for a in rows}
        # The changes the batch's audit entry lists: the slot, the actor, and the change (its answer id once written).
        self._log: list[tuple[Slot, User, dict[str, t.Any]]] = []

    def current(self, item: ChecklistItem, entry: RepeatInstance | None) -> Slot | None:
        """The answer to ``item`` (in ``entry``) as it stands now, if there is one."""
        return self._slots.get((item.id, entry.id if entry is not None else None))

    def save(self, item: ChecklistItem, *, value: str | None, note: str | None, actor: User,
             entry: RepeatInstance | None = None) -> Slot:
        """Take the answer to one item as ``save_answer`` would (refused the same way); nothing is written yet."""
        stored, note = services.check_answer(self.visit, item, value=value, note=note, entry=entry)
        key = (item.id, entry.id if entry is not None else None)
        slot = self._slots.get(key)
        if slot is not None and slot.value == stored and slot.note == note:
            return slot
        services.mark_started(self.visit, actor)
        before = slot.before() if slot is not None else None
        now = utcnow()
        if slot is None:
            slot = self._slots[key] = Slot(item.id, key[1], stored, note, 1, actor.id, now, changed=True)
        else:
            slot.value, slot.note, slot.rev = stored, note, slot.rev + 1
            slot.updated_by_id, slot.updated_at, slot.changed = actor.id, now, True
        change = {**services.answer_audit(item, entry, stored, note), "before": before, "rev": slot.rev}
        self._log.append((slot, actor, change))
        return slot

    def write(self, *, log: bool = True) -> None:
        """Store every change: one INSERT of the new answers, one UPDATE of the others, and (with ``log``;
        else by :meth:`log`, later in the transaction) one audit entry."""
        changed = [s for s in self._slots.values() if s.changed]
        if not changed:
            return
        updated = [s for s in changed if s.id is not None]
        new = {(s.item_id, s.instance_id): s for s in changed if s.id is None}
        table = t.cast(sa.Table, Answer.__table__)
        if new:
            # Every row with every column, so that all go in one statement; their ids come back by key
            # (SQLite does not return rows in the order they were sent).
            inserted = db.session.execute(table.insert().returning(table.c.id, table.c.item_id, table.c.instance_id), [
                {"visit_id": self.visit.id, "item_id": s.item_id, "instance_id": s.instance_id,
                 **{name: getattr(s, name) for name in COLUMNS}} for s in new.values()]).all()
            for row in inserted:
                new[(row.item_id, row.instance_id)].id = row.id
        if updated:
            db.session.execute(
                table.update().where(table.c.id == sa.bindparam("answer_id"))
                .values({name: sa.bindparam(f"new_{name}") for name in COLUMNS}),
                [{"answer_id": s.id, **{f"new_{name}": getattr(s, name) for name in COLUMNS}} for s in updated])
            for slot in updated:
                for name in COLUMNS:  # the row in the session says what the database now holds
                    set_committed_value(slot.stored, name, getattr(slot, name))
        for slot in changed:
            slot.changed = False
        if log:
            self.log()

    def log(self) -> None:
        """The audit entry of the changes written: the chain's lock is taken when it is flushed and held to
        the commit, so a caller with more to write first records it last."""
        by_actor: dict[int, tuple[User, list[dict[str, t.Any]]]] = {}
        for slot, actor, change in self._log:  # one actor per batch; should there be more, one entry each
            by_actor.setdefault(actor.id, (actor, []))[1].append({"answer": slot.id, **change})
        for actor, changes in by_actor.values():
            audit.record(actor, audit.ANSWER_BATCH, self.visit, after={"count": len(changes), "changes": changes})
        self._log = []


def answers_of(visit: Visit, query: sa.Select[t.Any], item_id: t.Any) -> sa.Select[t.Any]:
    """``query`` with, on each row, the visit's answer to the item whose id is ``item_id`` (a column of the
    query), or None: rows as many as the item has answers (one per entry in a list), at least one."""
    return query.add_columns(Answer).outerjoin(Answer, sa.and_(Answer.item_id == item_id, Answer.visit_id == visit.id))\
        .execution_options(populate_existing=True)


def answer_history(visit: Visit, item: ChecklistItem, entry: RepeatInstance | None = None) -> list[audit.AnswerChange]:
    """Who changed the answer to ``item`` (in ``entry``) and how, oldest first: on the page or in a batch."""
    answer_id = db.session.scalar(sa.select(Answer.id).where(
        Answer.visit_id == visit.id, Answer.item_id == item.id,
        Answer.instance_id.is_(None) if entry is None else Answer.instance_id == entry.id))
    return audit.answer_changes(visit.id, [answer_id]) if answer_id is not None else []
