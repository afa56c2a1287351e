"""Batches of operations from a tablet: answers, entries, photo removals, check-ins, each applied once.

Operations on one visit are applied one batch at a time (the visit row is locked), in the order
the server receives them, and never by the tablets' clocks. An answer sent on an older revision
than the current one, after someone else's write, still wins (last write wins) but is flagged as
a parallel edit with what it replaced, for a supervisor to acknowledge; nothing is dropped silently.

A batch is one transaction. Its answers cost the same statements whatever their number: they are
checked and applied in order in memory (``visits.answer_sheet``), then stored with one INSERT
and one UPDATE, one audit entry for the batch (``answer.batch``, about the visit, listing each
change with its answer, item, value and note before and after; at most ``MAX_OPS`` of them) and
the batch's operations with one INSERT. Entries added or removed, photos removed and
check-ins, rarer, go through the visit's services one at a time, each in a savepoint, and the
answers after them in the batch see what they did.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import User
from ..checklists.models import ChecklistItem
from ..checklists.models import ItemType
from ..core.database import insert_or_skip
from ..core.inputs import MAX_ID
from ..db import utcnow
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..media.models import Attachment
from ..visits import attachments
from ..visits import services as visits
from ..visits.answer_sheet import AnswerSheet
from ..visits.answer_sheet import Slot
from ..visits.answer_sheet import answers_of
from ..visits.models import RepeatInstance
from ..visits.models import Visit
from . import kinds
from .models import OpStatus
from .models import SyncKind
from .models import SyncOp
from .requests import Client
from .requests import Outcome
from .requests import body_hash
from .requests import check_uuid
from .requests import claim
from .requests import finish
from .requests import lock_visit
from .requests import parse_decimal
from .requests import parse_int
from .requests import parse_text
from .requests import parse_time
from .requests import stamp

MAX_OPS = 500
# Bounds of what an operation carries: an answer's value and note (Text columns, bounded all the same),
# a revision (an INTEGER column), a position as the Numeric(9, 6) and Numeric(9, 1) columns hold it.
MAX_VALUE = 10_000
MAX_NOTE = 4_000
MAX_ACCURACY_M = 99_999_999


class _OpTaken(Exception):
    """An operation's op_id was recorded by another request while this batch was being applied."""


def _op_payload(raw: dict[str, t.Any]) -> dict[str, t.Any]:
    """The fields of an operation that make it what it is (its id aside), for comparing two sends."""
    payload = {k: raw.get(k) for k in ("type", "item_id", "entry", "value", "note", "base_rev", "media",
                                       "latitude", "longitude", "accuracy_m", "at")}
    kind = kinds.get(raw.get("type"))
    if kind is not None:  # only its own fields: the payloads of the other types stay as they were
        payload.update({k: raw.get(k) for k in kind.fields})
    return payload


def _result(op: SyncOp, *, duplicate: bool = False) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {"op_id": op.op_id, "status": "duplicate" if duplicate else op.status.value,
                                "rev": op.rev, "server_ts": stamp(op.server_ts)}
    if op.message:
        result["message"] = op.message
    if op.previous is not None:
        result["replaced"] = op.previous
    return result


class Batch:
    """What a batch reads once, whatever its size: the items and entries it names, the answers it
    touches (an :class:`AnswerSheet`), the operations received before under its ids, and, when an
    answer is sent on an older revision, this device's own writes of the answers it touches."""

    def __init__(self, visit: Visit, ops: list[dict[str, t.Any]], *, actor: User, client: Client) -> None:
        self.visit, self.actor, self.client = visit, actor, client
        item_ids = {raw.get("item_id") for raw in ops}
        valid = sorted(i for i in item_ids if isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_ID)
        # The items with the visit's answers to them, in one SELECT.
        rows = db.session.execute(answers_of(visit, sa.select(ChecklistItem).where(ChecklistItem.id.in_(valid)),
                                             ChecklistItem.id)).all() if valid else []
        self.items = {item.id: item for item, _answer in rows}
        answered = {raw.get("item_id") for raw in ops if raw.get("type") == "answer"}
        self.answered = [i for i in valid if i in answered]
        self.sheet = AnswerSheet(visit, self.answered, read=[answer for _item, answer in rows if answer is not None])
        self.earlier = {o.op_id: o for o in db.session.scalars(
            sa.select(SyncOp).where(SyncOp.op_id.in_({str(raw["op_id"]).lower() for raw in ops})))}
        self._entries: dict[str, RepeatInstance] | None = None
        self._own: dict[tuple[int, str | None], list[int]] | None = None
        self._own_in_batch: dict[tuple[int, str | None], list[int]] = {}
        # What the operations handled above sync (``kinds``) recorded, by type, for their ``finish``.
        self.registered: dict[str, list[dict[str, t.Any]]] = {}

    def item(self, item_id: t.Any) -> ChecklistItem:
        item = self.items.get(parse_int(item_id, "item_id"))
        if item is None or item.version_id != self.visit.checklist_version_id:
            raise ValidationFailed(_("Item %(id)s is not part of the visit's checklist.", id=item_id))
        return item

    def entry(self, key: t.Any) -> RepeatInstance | None:
        """The entry an answer names by its key, if it names one (as ``visits.optional_entry``)."""
        if key in (None, ""):
            return None
        if self._entries is None:
            self._entries = {e.uuid: e for e in db.session.scalars(
                sa.select(RepeatInstance).where(RepeatInstance.visit_id == self.visit.id))}
        entry = self._entries.get(str(key).lower())
        if entry is None:
            raise visits.no_such_entry(str(key))
        return entry

    def added(self, entry: RepeatInstance) -> None:
        if self._entries is not None:
            self._entries[entry.uuid] = entry

    def written(self, op: SyncOp) -> None:
        """An answer written by this batch counts as this device's own write."""
        assert op.item_id is not None and op.rev is not None
        self._own_in_batch.setdefault((op.item_id, op.entry), []).append(op.rev)

    def writes_by_others(self, slot: Slot, entry: RepeatInstance | None, base_rev: int) -> bool:
        """Whether anyone but this device wrote the answer after revision ``base_rev``."""
        if self._own is None:
            self._own = {}
            for item_id, entry_key, rev in db.session.execute(
                    sa.select(SyncOp.item_id, SyncOp.entry, SyncOp.rev)
                    .where(SyncOp.visit_id == self.visit.id, SyncOp.item_id.in_(self.answered),
                           SyncOp.user_id == self.actor.id, SyncOp.client_id == self.client.client_id,
                           SyncOp.rev.is_not(None), SyncOp.status.in_((OpStatus.APPLIED, OpStatus.CONFLICT)))):
                self._own.setdefault((t.cast(int, item_id), entry_key), []).append(t.cast(int, rev))
        key = (slot.item_id, entry.uuid if entry is not None else None)
        revs = self._own.get(key, []) + self._own_in_batch.get(key, [])
        own = sum(1 for rev in revs if base_rev < rev <= slot.rev)
        return own < slot.rev - base_rev


def _apply_answer(batch: Batch, raw: dict[str, t.Any], op: SyncOp) -> None:
    item = batch.item(raw.get("item_id"))
    entry = batch.entry(raw.get("entry"))
    if item.type == ItemType.IMAGE or not item.type.takes_answer:
        raise ValidationFailed(_("“%(item)s” does not take a typed answer.", item=item.display_label))
    value = parse_text(raw.get("value"), "value", max_length=MAX_VALUE)
    note = parse_text(raw.get("note"), "note", max_length=MAX_NOTE)
    base_rev = raw.get("base_rev")
    if isinstance(base_rev, bool) or not isinstance(base_rev, int) or not 0 <= base_rev <= MAX_ID:
        raise ValidationFailed(_("base_rev must be the answer's revision the tablet last saw (0 for none)."))
    op.item_id, op.entry, op.base_rev = item.id, entry.uuid if entry else None, base_rev
    op.value = {"value": value, "note": note}
    current = batch.sheet.current(item, entry)
    before = {"value": current.value, "note": current.note, "rev": current.rev,
              "by": current.updated_by_id, "at": stamp(current.updated_at)} if current else None
    parallel = current is not None and current.rev > base_rev and batch.writes_by_others(current, entry, base_rev)
    answer = batch.sheet.save(item, value=value, note=note, entry=entry, actor=batch.actor)
    op.rev = answer.rev
    if before is not None and before["rev"] == answer.rev:
        op.status = OpStatus.UNCHANGED
        return
    if parallel:
        op.status = OpStatus.CONFLICT
        # "by" is the writer's id until the batch looks up the names of all of them at once.
        op.previous = before
        op.message = _("Changed by someone else since this tablet last saw it (revision %(base)d, now %(rev)d).",
                       base=base_rev, rev=before["rev"] if before else 0)
    else:
        op.status = OpStatus.APPLIED
    batch.written(op)


def _apply(batch: Batch, raw: dict[str, t.Any], op: SyncOp) -> None:
    """Any other operation, one at a time through the visit's services (in a savepoint of its own)."""
    visit, actor = batch.visit, batch.actor
    kind = raw.get("type")
    op.status = OpStatus.APPLIED
    if kind == "entry_add":
        repeat = batch.item(raw.get("item_id"))
        key = check_uuid(raw.get("entry"), "entry")
        op.item_id, op.entry = repeat.id, key
        batch.added(visits.add_entry(visit, repeat, key=key, actor=actor))
    elif kind == "entry_remove":
        entry = visits.entry_by_key(visit, str(raw.get("entry") or ""))
        op.item_id, op.entry = entry.item_id, entry.uuid
        visits.remove_entry(visit, entry, actor=actor)
    elif kind == "photo_remove":
        key = check_uuid(raw.get("media"), "media")
        attachment = db.session.scalar(sa.select(Attachment).where(Attachment.uuid == key,
                                                                   Attachment.visit_id == visit.id))
        op.value = {"media": key}
        if attachment is None:
            op.status = OpStatus.UNCHANGED
        else:
            op.item_id = attachment.item_id
            attachments.remove(attachment, actor=actor)
    elif kind == "checkin":
        latitude = parse_decimal(raw.get("latitude"), "latitude", limit=90)
        longitude = parse_decimal(raw.get("longitude"), "longitude", limit=180)
        if latitude is None or longitude is None:
            raise ValidationFailed(_("The position is not a valid latitude and longitude."))
        accuracy = parse_decimal(raw.get("accuracy_m"), "accuracy_m", limit=MAX_ACCURACY_M)
        at = parse_time(raw.get("at"), "at")
        op.value = {"latitude": str(latitude), "longitude": str(longitude),
                    "accuracy_m": str(accuracy) if accuracy is not None else None}
        visits.check_in(visit, latitude=latitude, longitude=longitude, accuracy_m=accuracy, actor=actor,
                        at=min(at, utcnow()) if at else None)
    elif (registered := kinds.get(kind)) is not None:
        op.value = registered.apply(kinds.OpContext(visit=visit, actor=actor, op_id=op.op_id, client_ts=op.client_ts),
                                    raw)
        batch.registered.setdefault(str(kind), []).append(op.value)
    else:
        raise ValidationFailed(_("Unknown operation type “%(type)s”.", type=kind))


def apply_batch(visit: Visit, ops: t.Any, *, key: str, actor: User, client: Client) -> Outcome:
    """POST /api/v1/visits/UUID/ops: apply a batch of operations in order, each exactly once.

    Each operation gets a result: ``applied``, ``unchanged`` (the server already held it),
    ``duplicate`` (this op_id was applied before; its first result), ``conflict`` (applied over a
    parallel edit, flagged) or ``refused`` (not applied, with the reason; flagged). The batch is
    answered 200 whatever its operations' results, and the same answer is given to a replay.

    The batch is one transaction with a fixed number of statements for its answers (see
    :class:`Batch`): the operations are taken in order in memory, then the answers, the batch's
    audit entry and the operations are written together. Two requests that record the same op_id at
    the same moment (on two visits, as batches on one visit wait for each other) meet at the
    unique key: the one that finds its operation's row taken rolls back and takes the whole batch again,
    and then finds the other's operation.
    """
    if not isinstance(ops, list) or not ops:
        raise ValidationFailed(_("Send a list of operations (“ops”)."))
    if len(ops) > MAX_OPS:
        raise ValidationFailed(_("A batch holds at most %(n)d operations.", n=MAX_OPS))
    for raw in ops:
        if not isinstance(raw, dict):
            raise ValidationFailed(_("Each operation is an object."))
        check_uuid(raw.get("op_id"), "op_id")
    for attempt in range(3):
        claimed = claim(visit, SyncKind.OPS, key=key, request_hash=body_hash(ops), actor=actor, client=client)
        if isinstance(claimed, Outcome):
            return claimed
        row = claimed
        visit = lock_visit(visit)
        batch = Batch(visit, ops, actor=actor, client=client)
        try:
            results, counts = _apply_all(batch, ops, row)
        except _OpTaken:  # the same op_id recorded by another request at the same moment: take it all again
            if attempt == 2:  # pragma: no cover
                raise
            db.session.rollback()
            continue
        outcome = finish(row, Outcome(200, {"batch": key, "results": results}), counts)
        # The answers' audit entry last: every other writer waits for the chain's lock from its flush to
        # this request's commit, which follows.
        batch.sheet.log()
        return outcome
    raise AssertionError("unreachable")  # pragma: no cover


def _apply_all(batch: Batch, ops: list[dict[str, t.Any]], request_id: int) -> tuple[list[dict[str, t.Any]],
                                                                                     dict[str, int]]:
    visit, actor, client = batch.visit, batch.actor, batch.client
    answers: list[SyncOp | dict[str, t.Any] | tuple[SyncOp]] = []  # (op,) for a duplicate
    counts = dict.fromkeys(("applied", "unchanged", "duplicate", "conflict", "refused"), 0)
    new: list[SyncOp] = []
    for raw in ops:
        op_id = str(raw["op_id"]).lower()
        payload = _op_payload(raw)
        earlier = batch.earlier.get(op_id)
        if earlier is not None:
            if earlier.payload_hash != body_hash(payload) or earlier.visit_id != visit.id:
                answers.append({"op_id": op_id, "status": "refused", "rev": None, "server_ts": stamp(utcnow()),
                                "message": _("Operation %(id)s was received before with other content.", id=op_id)})
                counts["refused"] += 1
            else:
                answers.append((earlier,))
                counts["duplicate"] += 1
            continue
        op = SyncOp(op_id=op_id, request_id=request_id, visit_id=visit.id, user_id=actor.id,
                    client_id=client.client_id, type=str(raw.get("type") or "")[:16], payload_hash=body_hash(payload),
                    client_ts=_client_ts(raw), status=OpStatus.APPLIED, server_ts=utcnow())
        try:
            if raw.get("type") == "answer":  # checked before anything changes: nothing to undo if refused
                _apply_answer(batch, raw, op)
            else:
                with db.session.begin_nested():
                    _apply(batch, raw, op)
        except ServiceError as err:
            op.status, op.message = OpStatus.REFUSED, err.message
            op.value = op.value or {k: v for k, v in payload.items() if v is not None and k != "type"}
            op.rev = op.previous = None
        batch.earlier[op_id] = op
        new.append(op)
        answers.append(op)
        counts[op.status.value] += 1
    batch.sheet.write(log=False)
    for name, values in batch.registered.items():
        t.cast(kinds.OpKind, kinds.get(name)).finish(visit, actor, values)
    writers = {o.previous["by"] for o in new if o.previous is not None and o.previous.get("by")}
    names: dict[int, str] = dict(db.session.execute(
        sa.select(User.id, User.display_name).where(User.id.in_(writers))).all()) if writers else {}
    for op in new:
        if op.previous is not None:
            op.previous = {**op.previous, "by": names.get(op.previous.get("by") or 0)}
    if new:
        # One INSERT for the batch's operations (the objects stay outside the session; nothing reads their ids).
        # Every column of every row (the ORM would leave out the empty ones and split the INSERT). An op_id
        # another request recorded meanwhile is skipped, not refused (which would end the transaction on
        # PostgreSQL): the batch is then taken again.
        table = t.cast(sa.Table, SyncOp.__table__)
        columns = [c.name for c in table.columns if c.name != "id"]
        stored = db.session.execute(insert_or_skip(table, ["op_id"]).returning(table.c.op_id),
                                    [{name: getattr(o, name) for name in columns} for o in new]).all()
        if len(stored) != len(new):
            raise _OpTaken()
    results = [item if isinstance(item, dict) else _result(item[0], duplicate=True) if isinstance(item, tuple)
               else _result(item) for item in answers]
    return results, counts


def _client_ts(raw: dict[str, t.Any]) -> datetime | None:
    try:
        return parse_time(raw.get("client_ts"), "client_ts")
    except ValidationFailed:
        return None
