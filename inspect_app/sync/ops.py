"""Batches of operations from a tablet: answers, entries, photo removals, check-ins, each applied once.

Operations on one visit are applied one batch at a time (the visit row is locked), in the order
the server receives them, and never by the tablets' clocks. An answer sent on an older revision
than the current one, after someone else's write, still wins (last write wins) but is flagged as
a parallel edit with what it replaced, for a supervisor to acknowledge; nothing is dropped silently.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import User
from ..checklists.models import ChecklistItem
from ..checklists.models import ItemType
from ..core.inputs import MAX_ID
from ..db import utcnow
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..media.models import Attachment
from ..visits import attachments
from ..visits import services as visits
from ..visits.models import Answer
from ..visits.models import Visit
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


def _op_payload(raw: dict[str, t.Any]) -> dict[str, t.Any]:
    """The fields of an operation that make it what it is (its id aside), for comparing two sends."""
    return {k: raw.get(k) for k in ("type", "item_id", "entry", "value", "note", "base_rev", "media",
                                    "latitude", "longitude", "accuracy_m", "at")}


def _result(op: SyncOp, *, duplicate: bool = False) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {"op_id": op.op_id, "status": "duplicate" if duplicate else op.status.value,
                                "rev": op.rev, "server_ts": stamp(op.server_ts)}
    if op.message:
        result["message"] = op.message
    if op.previous is not None:
        result["replaced"] = op.previous
    return result


def _item(visit: Visit, item_id: t.Any) -> ChecklistItem:
    item = db.session.get(ChecklistItem, parse_int(item_id, "item_id"))
    if item is None or item.version_id != visit.checklist_version_id:
        raise ValidationFailed(_("Item %(id)s is not part of the visit's checklist.", id=item_id))
    return item


def _writes_by_others(answer: Answer, base_rev: int, actor: User, client: Client) -> bool:
    """Whether anyone but this device wrote the answer after revision ``base_rev``."""
    own = db.session.scalar(
        sa.select(sa.func.count()).select_from(SyncOp)
        .where(SyncOp.visit_id == answer.visit_id, SyncOp.item_id == answer.item_id,
               SyncOp.entry.is_(None) if answer.instance is None else SyncOp.entry == answer.instance.uuid,
               SyncOp.user_id == actor.id, SyncOp.client_id == client.client_id,
               SyncOp.rev > base_rev, SyncOp.rev <= answer.rev,
               SyncOp.status.in_((OpStatus.APPLIED, OpStatus.CONFLICT))))
    return (own or 0) < answer.rev - base_rev


def _apply_answer(visit: Visit, raw: dict[str, t.Any], op: SyncOp, *, actor: User, client: Client) -> None:
    item = _item(visit, raw.get("item_id"))
    entry = visits.optional_entry(visit, raw.get("entry"))
    if item.type == ItemType.IMAGE or not item.type.takes_answer:
        raise ValidationFailed(_("“%(item)s” does not take a typed answer.", item=item.display_label))
    value = parse_text(raw.get("value"), "value", max_length=MAX_VALUE)
    note = parse_text(raw.get("note"), "note", max_length=MAX_NOTE)
    base_rev = raw.get("base_rev")
    if isinstance(base_rev, bool) or not isinstance(base_rev, int) or not 0 <= base_rev <= MAX_ID:
        raise ValidationFailed(_("base_rev must be the answer's revision the tablet last saw (0 for none)."))
    op.item_id, op.entry, op.base_rev = item.id, entry.uuid if entry else None, base_rev
    op.value = {"value": value, "note": note}
    current = db.session.scalar(sa.select(Answer).where(
        Answer.visit_id == visit.id, Answer.item_id == item.id,
        Answer.instance_id.is_(None) if entry is None else Answer.instance_id == entry.id))
    before = {"value": current.value, "note": current.note, "rev": current.rev,
              "by": current.updated_by_id, "at": stamp(current.updated_at)} if current else None
    parallel = current is not None and current.rev > base_rev and _writes_by_others(current, base_rev, actor, client)
    answer = visits.save_answer(visit, item, value=value, note=note, entry=entry, actor=actor)
    op.rev = answer.rev
    if before is not None and before["rev"] == answer.rev:
        op.status = OpStatus.UNCHANGED
    elif parallel:
        op.status = OpStatus.CONFLICT
        by = db.session.get(User, before["by"]) if before and before["by"] else None
        op.previous = {**(before or {}), "by": by.display_name if by else None}
        op.message = _("Changed by someone else since this tablet last saw it (revision %(base)d, now %(rev)d).",
                       base=base_rev, rev=before["rev"] if before else 0)
    else:
        op.status = OpStatus.APPLIED


def _apply(visit: Visit, raw: dict[str, t.Any], op: SyncOp, *, actor: User, client: Client) -> None:
    kind = raw.get("type")
    if kind == "answer":
        _apply_answer(visit, raw, op, actor=actor, client=client)
        return
    op.status = OpStatus.APPLIED
    if kind == "entry_add":
        repeat = _item(visit, raw.get("item_id"))
        key = check_uuid(raw.get("entry"), "entry")
        op.item_id, op.entry = repeat.id, key
        visits.add_entry(visit, repeat, key=key, actor=actor)
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
    else:
        raise ValidationFailed(_("Unknown operation type “%(type)s”.", type=kind))


def apply_batch(visit: Visit, ops: t.Any, *, key: str, actor: User, client: Client) -> Outcome:
    """POST /api/v1/visits/UUID/ops: apply a batch of operations in order, each exactly once.

    Each operation gets a result: ``applied``, ``unchanged`` (the server already held it),
    ``duplicate`` (this op_id was applied before; its first result), ``conflict`` (applied over a
    parallel edit, flagged) or ``refused`` (not applied, with the reason; flagged). The batch is
    answered 200 whatever its operations' results, and the same answer is given to a replay.
    """
    if not isinstance(ops, list) or not ops:
        raise ValidationFailed(_("Send a list of operations (“ops”)."))
    if len(ops) > MAX_OPS:
        raise ValidationFailed(_("A batch holds at most %(n)d operations.", n=MAX_OPS))
    for raw in ops:
        if not isinstance(raw, dict):
            raise ValidationFailed(_("Each operation is an object."))
        check_uuid(raw.get("op_id"), "op_id")
    claimed = claim(visit, SyncKind.OPS, key=key, request_hash=body_hash(ops), actor=actor, client=client)
    if isinstance(claimed, Outcome):
        return claimed
    row = claimed
    visit = lock_visit(visit)
    results = []
    counts = dict.fromkeys(("applied", "unchanged", "duplicate", "conflict", "refused"), 0)
    for raw in ops:
        op_id = str(raw["op_id"]).lower()
        payload = _op_payload(raw)
        earlier = db.session.scalar(sa.select(SyncOp).where(SyncOp.op_id == op_id))
        if earlier is not None:
            if earlier.payload_hash != body_hash(payload) or earlier.visit_id != visit.id:
                results.append({"op_id": op_id, "status": "refused", "rev": None, "server_ts": stamp(utcnow()),
                                "message": _("Operation %(id)s was received before with other content.", id=op_id)})
                counts["refused"] += 1
            else:
                results.append(_result(earlier, duplicate=True))
                counts["duplicate"] += 1
            continue
        op = SyncOp(op_id=op_id, request_id=row.id, visit_id=visit.id, user_id=actor.id,
                    client_id=client.client_id, type=str(raw.get("type") or "")[:16], payload_hash=body_hash(payload),
                    client_ts=_client_ts(raw), status=OpStatus.APPLIED)
        try:
            with db.session.begin_nested():
                _apply(visit, raw, op, actor=actor, client=client)
                db.session.add(op)
        except ServiceError as err:
            op.status, op.message = OpStatus.REFUSED, err.message
            op.value = op.value or {k: v for k, v in payload.items() if v is not None and k != "type"}
            op.rev = op.previous = None
            with db.session.begin_nested():
                db.session.add(op)
        except sa.exc.IntegrityError:  # the same op_id in two requests at once: the other one applied it
            db.session.expire_all()
            earlier = db.session.scalar(sa.select(SyncOp).where(SyncOp.op_id == op_id))
            assert earlier is not None
            results.append(_result(earlier, duplicate=True))
            counts["duplicate"] += 1
            visit = lock_visit(visit)
            continue
        results.append(_result(op))
        counts[op.status.value] += 1
    return finish(row, Outcome(200, {"batch": key, "results": results}), counts)


def _client_ts(raw: dict[str, t.Any]) -> datetime | None:
    try:
        return parse_time(raw.get("client_ts"), "client_ts")
    except ValidationFailed:
        return None
