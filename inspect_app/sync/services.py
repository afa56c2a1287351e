"""Sync from tablets: visits opened in the field, batches of operations, photos, signatures, submission.

Every write is idempotent, and the database, not a check made beforehand, stops duplicates:

- a batch is claimed by inserting its ``sync_requests`` row, unique per user and
  ``Idempotency-Key``; a batch sent again finds the row and gets the stored answer;
- every operation is a ``sync_ops`` row with the client's unique ``op_id``;
- a photo or signature keeps the client's UUID (``attachments.uuid``, unique);
- a visit is opened once: ``started_at`` is set only where it is still empty.

Operations on one visit are applied one batch at a time (the visit row is locked), in the order
the server receives them, and never by the tablets' clocks. An answer sent on an older revision
than the current one, after someone else's write, still wins (last write wins) but is flagged as
a parallel edit with what it replaced, for a supervisor to acknowledge; nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..checklists.models import ChecklistItem
from ..checklists.models import ItemType
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..media import services as media
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..media.models import Signer
from ..visits import attachments
from ..visits import photos
from ..visits import services as visits
from ..visits.models import Answer
from ..visits.models import RepeatInstance
from ..visits.models import Visit
from .models import OpStatus
from .models import SyncKind
from .models import SyncOp
from .models import SyncRequest

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_OPS = 500
UUID_RE = visits.UUID_RE


class IdempotencyKeyReused(ServiceError):
    """The same Idempotency-Key came with another request body."""

    status_code = 422


@dataclass(frozen=True)
class Client:
    """Who sent a request and from where: the device's id, its user agent, token or session."""

    client_id: str | None = None
    user_agent: str | None = None
    via_token: bool = False


@dataclass
class Outcome:
    """An answer to give: the HTTP status and the JSON body."""

    status: int
    body: dict[str, t.Any]
    replayed: bool = False


def body_hash(data: t.Any) -> str:
    """SHA-256 of a JSON body in canonical form (sorted keys, no spaces)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_uuid(value: t.Any, what: str) -> str:
    text = str(value or "").strip().lower()
    if not UUID_RE.fullmatch(text):
        raise ValidationFailed(_("%(what)s “%(value)s” is not a UUID.", what=what, value=value))
    return text


def parse_time(value: t.Any, what: str) -> datetime | None:
    """An ISO 8601 time with its offset (a naive one is read as UTC), or None."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(_("%(what)s “%(value)s” is not a date and time.", what=what, value=value)) from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_decimal(value: t.Any, what: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed(_("%(what)s “%(value)s” is not a number.", what=what, value=value)) from exc
    if not number.is_finite():
        raise ValidationFailed(_("%(what)s “%(value)s” is not a number.", what=what, value=value))
    return number


def _stamp(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at else None


def _lock(visit: Visit) -> Visit:
    """Take the visit's row lock (PostgreSQL) and reread it: batches on one visit run one after another.

    FOR NO KEY UPDATE: the request's own sync_requests row already holds a key-share lock on the
    visit (its foreign key), which a plain FOR UPDATE of a concurrent request would wait for.
    """
    return db.session.execute(
        sa.select(Visit).where(Visit.id == visit.id).with_for_update(key_share=True)
        .execution_options(populate_existing=True)).scalar_one()


def _record(visit: Visit, kind: SyncKind, *, actor: User, client: Client, request_hash: str,
            key: str | None = None) -> SyncRequest:
    row = SyncRequest(visit_id=visit.id, user_id=actor.id, kind=kind, idempotency_key=key, request_hash=request_hash,
                      client_id=(client.client_id or "")[:64] or None,
                      user_agent=(client.user_agent or "")[:256] or None,
                      via_token=client.via_token, status_code=0, response={})
    db.session.add(row)
    return row


def _claim(visit: Visit, kind: SyncKind, *, key: str, request_hash: str, actor: User,
           client: Client) -> SyncRequest | Outcome:
    """Insert the request's row under its key, or return the stored answer of the request that holds it.

    The unique key decides: a request sent again finds the first one's row; of two sent at the same
    moment, the second waits for the first's insert and then finds its row.
    """
    earlier = _earlier(actor, key)
    if earlier is None:
        row = _record(visit, kind, actor=actor, client=client, request_hash=request_hash, key=key)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            # Only reads came before in this request, so nothing else is lost with them.
            db.session.rollback()
            earlier = _earlier(actor, key)
            if earlier is None:  # pragma: no cover - the row that collided is committed by now
                raise
        else:
            return row
    if earlier.request_hash != request_hash or earlier.visit_id != visit.id or earlier.kind != kind:
        raise IdempotencyKeyReused(_("The Idempotency-Key “%(key)s” was used before for another request.", key=key))
    if earlier.status_code == 0:  # pragma: no cover - rows are committed with their answer
        raise InvalidTransition(_("The request with this Idempotency-Key is still being processed."))
    earlier.replays += 1
    earlier.last_replay_at = utcnow()
    return Outcome(earlier.status_code, earlier.response, replayed=True)


def _earlier(actor: User, key: str) -> SyncRequest | None:
    return db.session.scalar(sa.select(SyncRequest).where(SyncRequest.user_id == actor.id,
                                                          SyncRequest.idempotency_key == key))


def _finish(row: SyncRequest, outcome: Outcome, counts: dict[str, int] | None = None) -> Outcome:
    row.status_code, row.response, row.counts = outcome.status, outcome.body, counts
    db.session.flush()
    return outcome


# --- reading ----------------------------------------------------------------------------------------------


def visit_record(visit: Visit) -> dict[str, t.Any]:
    """The visit as the field knows it: the body of PUT /api/v1/visits/UUID."""
    return {"school_id": visit.school_id, "checklist_version_id": visit.checklist_version_id,
            "started_at": _stamp(visit.started_at)}


def attachment_json(a: Attachment, entries: dict[int, str]) -> dict[str, t.Any]:
    return {
        "uuid": a.uuid, "kind": a.kind.value, "item_id": a.item_id,
        "entry": entries.get(a.instance_id) if a.instance_id else None,
        "signer": a.signer.value if a.signer else None, "signer_name": a.signer_name,
        "width": a.width, "height": a.height, "sha256": a.sha256, "source_sha256": a.source_sha256,
        "taken_at": _stamp(a.taken_at),
        "latitude": str(a.latitude) if a.latitude is not None else None,
        "longitude": str(a.longitude) if a.longitude is not None else None,
        "file_id": a.id,
    }


def visit_state(visit: Visit) -> dict[str, t.Any]:
    """Everything a tablet needs to continue a visit: status, check-in, answers with revisions, entries, files."""
    entries = db.session.scalars(sa.select(RepeatInstance).where(RepeatInstance.visit_id == visit.id)
                                 .order_by(RepeatInstance.position, RepeatInstance.id)).all()
    keys = {e.id: e.uuid for e in entries}
    answers = db.session.scalars(sa.select(Answer).where(Answer.visit_id == visit.id).order_by(Answer.id)).all()
    files = attachments.visit_attachments(visit)
    return {
        "uuid": visit.uuid, "id": visit.id, **visit_record(visit),
        "status": visit.status.value, "editable": visit.status.editable,
        "school": {"id": visit.school_id, "code": visit.school.code, "name": visit.school.name,
                   "latitude": str(visit.school.latitude) if visit.school.latitude is not None else None,
                   "longitude": str(visit.school.longitude) if visit.school.longitude is not None else None},
        "checkin": None if visit.checkin_at is None else {
            "latitude": str(visit.checkin_latitude), "longitude": str(visit.checkin_longitude),
            "accuracy_m": str(visit.checkin_accuracy_m) if visit.checkin_accuracy_m is not None else None,
            "at": _stamp(visit.checkin_at)},
        "submitted_at": _stamp(visit.submitted_at),
        "answers": [{"item_id": a.item_id, "entry": keys.get(a.instance_id) if a.instance_id else None,
                     "value": a.value, "note": a.note, "rev": a.rev, "updated_at": _stamp(a.updated_at)}
                    for a in answers],
        "entries": [{"uuid": e.uuid, "item_id": e.item_id, "position": e.position,
                     "removed": e.removed_at is not None} for e in entries],
        "media": [attachment_json(a, keys) for a in files],
    }


# --- opening a visit in the field ---------------------------------------------------------------------------


def open_visit(visit: Visit, body: dict[str, t.Any], *, actor: User, client: Client) -> Outcome:
    """PUT /api/v1/visits/UUID: the tablet opened the visit at ``started_at``.

    201 the first time, 200 when the same record comes again, 409 (with the server's record) when
    the visit was opened at another time, or the tablet names another school or checklist.
    """
    started = parse_time(body.get("started_at"), "started_at")
    if started is None:
        raise ValidationFailed(_("Say when the visit was opened (started_at)."))
    wanted = {"school_id": body.get("school_id"), "checklist_version_id": body.get("checklist_version_id"),
              "started_at": _stamp(started.replace(microsecond=0))}
    row = _record(visit, SyncKind.OPEN, actor=actor, client=client, request_hash=body_hash(wanted))
    db.session.flush()
    visit = _lock(visit)
    if visit.started_at is None:
        if (wanted["school_id"], wanted["checklist_version_id"]) == (visit.school_id, visit.checklist_version_id):
            visits.require_editable(visit)
            created = db.session.execute(
                sa.update(Visit).where(Visit.id == visit.id, Visit.started_at.is_(None))
                .values(started_at=started.replace(microsecond=0)))
            db.session.refresh(visit)
            if created.rowcount == 1:  # type: ignore[attr-defined]
                visits.mark_started(visit, actor)
                return _finish(row, Outcome(201, visit_record(visit)))
    if visit_record(visit) == wanted:
        return _finish(row, Outcome(200, visit_record(visit)))
    return _finish(row, Outcome(409, {"error": _("The visit was opened with another record; this is the server's."),
                                      "current": visit_record(visit)}))


# --- batches of operations ----------------------------------------------------------------------------------


def _op_payload(raw: dict[str, t.Any]) -> dict[str, t.Any]:
    """The fields of an operation that make it what it is (its id aside), for comparing two sends."""
    return {k: raw.get(k) for k in ("type", "item_id", "entry", "value", "note", "base_rev", "media",
                                    "latitude", "longitude", "accuracy_m", "at")}


def _result(op: SyncOp, *, duplicate: bool = False) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {"op_id": op.op_id, "status": "duplicate" if duplicate else op.status.value,
                                "rev": op.rev, "server_ts": _stamp(op.server_ts)}
    if op.message:
        result["message"] = op.message
    if op.previous is not None:
        result["replaced"] = op.previous
    return result


def _entry(visit: Visit, key: t.Any) -> RepeatInstance | None:
    if key in (None, ""):
        return None
    entry = db.session.scalar(sa.select(RepeatInstance).where(RepeatInstance.uuid == str(key).lower(),
                                                              RepeatInstance.visit_id == visit.id))
    if entry is None:
        raise ValidationFailed(_("The entry “%(key)s” does not exist in this visit.", key=key))
    return entry


def _item(visit: Visit, item_id: t.Any) -> ChecklistItem:
    item = db.session.get(ChecklistItem, item_id) if isinstance(item_id, int) else None
    if item is None or item.version_id != visit.checklist_version_id:
        raise ValidationFailed(_("Item %(id)s is not part of the visit's checklist.", id=item_id))
    return item


def _text(value: t.Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(_("%(what)s must be text.", what=what))
    return value


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
    entry = _entry(visit, raw.get("entry"))
    if item.type == ItemType.IMAGE or not item.type.takes_answer:
        raise ValidationFailed(_("“%(item)s” does not take a typed answer.", item=item.display_label))
    value, note = _text(raw.get("value"), "value"), _text(raw.get("note"), "note")
    base_rev = raw.get("base_rev")
    if not isinstance(base_rev, int) or base_rev < 0:
        raise ValidationFailed(_("base_rev must be the answer's revision the tablet last saw (0 for none)."))
    op.item_id, op.entry, op.base_rev = item.id, entry.uuid if entry else None, base_rev
    op.value = {"value": value, "note": note}
    current = db.session.scalar(sa.select(Answer).where(
        Answer.visit_id == visit.id, Answer.item_id == item.id,
        Answer.instance_id.is_(None) if entry is None else Answer.instance_id == entry.id))
    before = {"value": current.value, "note": current.note, "rev": current.rev,
              "by": current.updated_by_id, "at": _stamp(current.updated_at)} if current else None
    parallel = current is not None and current.rev > base_rev and _writes_by_others(current, base_rev, actor, client)
    answer = visits.save_answer(visit, item, value=value, note=note, entry=entry, actor=actor)
    op.rev = answer.rev
    if before is not None and before["rev"] == answer.rev:
        op.status = OpStatus.UNCHANGED
    elif parallel:
        op.status = OpStatus.CONFLICT
        from ..auth.models import User

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
        entry = _entry(visit, raw.get("entry"))
        assert entry is not None
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
        latitude, longitude = parse_decimal(raw.get("latitude"), "latitude"), parse_decimal(raw.get("longitude"),
                                                                                         "longitude")
        if latitude is None or longitude is None:
            raise ValidationFailed(_("The position is not a valid latitude and longitude."))
        accuracy = parse_decimal(raw.get("accuracy_m"), "accuracy_m")
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
    claimed = _claim(visit, SyncKind.OPS, key=key, request_hash=body_hash(ops), actor=actor, client=client)
    if isinstance(claimed, Outcome):
        return claimed
    row = claimed
    visit = _lock(visit)
    results = []
    counts = dict.fromkeys(("applied", "unchanged", "duplicate", "conflict", "refused"), 0)
    for raw in ops:
        op_id = str(raw["op_id"]).lower()
        payload = _op_payload(raw)
        earlier = db.session.scalar(sa.select(SyncOp).where(SyncOp.op_id == op_id))
        if earlier is not None:
            if earlier.payload_hash != body_hash(payload) or earlier.visit_id != visit.id:
                results.append({"op_id": op_id, "status": "refused", "rev": None, "server_ts": _stamp(utcnow()),
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
            visit = _lock(visit)
            continue
        results.append(_result(op))
        counts[op.status.value] += 1
    return _finish(row, Outcome(200, {"batch": key, "results": results}), counts)


def _client_ts(raw: dict[str, t.Any]) -> datetime | None:
    try:
        return parse_time(raw.get("client_ts"), "client_ts")
    except ValidationFailed:
        return None


# --- submission --------------------------------------------------------------------------------------------


def submit(visit: Visit, *, key: str, actor: User, client: Client) -> Outcome:
    """POST /api/v1/visits/UUID/submit: submit once; the same key gets the same answer again.

    A visit already submitted answers 200 with its state (submitting is what the tablet wanted);
    one that cannot be submitted yet answers 422 with every item that needs attention.
    """
    claimed = _claim(visit, SyncKind.SUBMIT, key=key, request_hash=body_hash({"submit": visit.uuid}), actor=actor,
                     client=client)
    if isinstance(claimed, Outcome):
        return claimed
    row = claimed
    visit = _lock(visit)
    if not visit.status.editable:
        return _finish(row, Outcome(200, {"status": visit.status.value, "submitted_at": _stamp(visit.submitted_at),
                                          "findings_raised": 0, "already": True}))
    try:
        with db.session.begin_nested():
            raised = visits.submit_visit(visit, actor=actor)
    except ValidationFailed as err:
        return _finish(row, Outcome(422, {"error": err.message, "details": err.details}))
    return _finish(row, Outcome(201, {"status": visit.status.value, "submitted_at": _stamp(visit.submitted_at),
                                      "findings_raised": len(raised), "already": False}))


# --- photos and signatures ------------------------------------------------------------------------------------


@dataclass
class MediaTarget:
    """Where a photo or signature belongs, as the query of PUT /api/v1/media/UUID names it."""

    visit: Visit
    kind: AttachmentKind
    item: ChecklistItem | None = None
    entry: RepeatInstance | None = None
    signer: Signer | None = None
    signer_name: str | None = None
    capture: media.Capture | None = None
    filename: str = "photo.jpg"

    def binding(self) -> dict[str, t.Any]:
        return {"visit": self.visit.uuid, "kind": self.kind.value, "item_id": self.item.id if self.item else None,
                "entry": self.entry.uuid if self.entry else None,
                "signer": self.signer.value if self.signer else None}


def _binding(a: Attachment) -> dict[str, t.Any]:
    visit = db.session.get(Visit, a.visit_id) if a.visit_id else None
    entry = db.session.get(RepeatInstance, a.instance_id) if a.instance_id else None
    return {"visit": visit.uuid if visit else None, "kind": a.kind.value, "item_id": a.item_id,
            "entry": entry.uuid if entry else None, "signer": a.signer.value if a.signer else None}


def put_media(key: str, data: bytes, *, sha256: str, target: MediaTarget, actor: User, client: Client) -> Outcome:
    """PUT /api/v1/media/UUID: store a photo or signature under the client's UUID.

    201 when stored, 200 when the same bytes for the same place come again, 409 when the UUID is
    taken by other bytes or another place. The bytes must match ``X-Content-SHA256``.
    """
    key = check_uuid(key, "media")
    actual = hashlib.sha256(data).hexdigest()
    if sha256.lower() != actual:
        raise ValidationFailed(_("The photo arrived damaged: its SHA-256 is %(actual)s, not %(sent)s.",
                                 actual=actual, sent=sha256))
    visit = target.visit
    existing = db.session.scalar(sa.select(Attachment).where(Attachment.uuid == key))
    # Decode before the first write: on SQLite the write lock is then held only for the inserts.
    decoded = media.decode_image(data, filename=target.filename) if existing is None and \
        target.kind == AttachmentKind.PHOTO and not data.startswith(b"%PDF-") else None
    row = _record(visit, SyncKind.MEDIA, actor=actor, client=client,
                  request_hash=body_hash({"uuid": key, "sha256": actual, **target.binding()}))
    db.session.flush()
    if existing is None:
        try:
            with db.session.begin_nested():
                if target.kind == AttachmentKind.SIGNATURE:
                    assert target.signer is not None
                    attachment = photos.add_signature(visit, data, signer=target.signer, signer_name=target.signer_name,
                                                     actor=actor, key=key)
                else:
                    assert target.item is not None
                    attachment = photos.add_visit_photo(visit, target.item, data, filename=target.filename,
                                                       entry=target.entry, actor=actor, key=key,
                                                       capture=target.capture, decoded=decoded)
                attachment.source_sha256 = actual
                db.session.flush()
        except sa.exc.IntegrityError:  # the same UUID stored by a request at the same moment
            db.session.expire_all()
            existing = db.session.scalar(sa.select(Attachment).where(Attachment.uuid == key))
            if existing is None:  # pragma: no cover
                raise
        else:
            keys = {target.entry.id: target.entry.uuid} if target.entry else {}
            return _finish(row, Outcome(201, attachment_json(attachment, keys)))
    entry_keys = {}
    if existing.instance_id:
        entry = db.session.get(RepeatInstance, existing.instance_id)
        entry_keys = {entry.id: entry.uuid} if entry else {}
    if existing.source_sha256 == actual and _binding(existing) == target.binding():
        return _finish(row, Outcome(200, attachment_json(existing, entry_keys)))
    return _finish(row, Outcome(409, {"error": _("The key “%(key)s” already names another file.", key=key),
                                      "current": attachment_json(existing, entry_keys)}))


# --- review -----------------------------------------------------------------------------------------------------


def history(visit: Visit) -> list[SyncRequest]:
    """The sync requests received for a visit, latest first, with who sent them."""
    stmt = (sa.select(SyncRequest).where(SyncRequest.visit_id == visit.id)
            .options(orm.joinedload(SyncRequest.user)).order_by(SyncRequest.received_at.desc(), SyncRequest.id.desc()))
    return list(db.session.scalars(stmt))


def flagged_ops(visit: Visit) -> list[SyncOp]:
    """The parallel edits and refused operations of a visit, oldest first, acknowledged or not."""
    stmt = (sa.select(SyncOp).where(SyncOp.visit_id == visit.id,
                                    SyncOp.status.in_((OpStatus.CONFLICT, OpStatus.REFUSED)))
            .options(orm.joinedload(SyncOp.user), orm.joinedload(SyncOp.item), orm.joinedload(SyncOp.acknowledged_by))
            .order_by(SyncOp.id))
    return list(db.session.scalars(stmt))


def open_flags(visit_ids: t.Sequence[int]) -> dict[int, int]:
    """How many flagged operations await acknowledgement, by visit."""
    if not visit_ids:
        return {}
    stmt = (sa.select(SyncOp.visit_id, sa.func.count())
            .where(SyncOp.visit_id.in_(visit_ids), SyncOp.status.in_((OpStatus.CONFLICT, OpStatus.REFUSED)),
                   SyncOp.acknowledged_at.is_(None))
            .group_by(SyncOp.visit_id))
    return {visit_id: n for visit_id, n in db.session.execute(stmt)}


def acknowledge(op: SyncOp, *, actor: User) -> None:
    """A supervisor has looked at a parallel edit or a refused operation."""
    if not op.flagged:
        raise InvalidTransition(_("Only parallel edits and refused changes are acknowledged."))
    if op.acknowledged_at is not None:
        return
    op.acknowledged_at, op.acknowledged_by_id = utcnow(), actor.id
    visit = db.session.get(Visit, op.visit_id)
    assert visit is not None
    audit.record(actor, "sync.acknowledge", visit, after={"op": op.op_id, "status": op.status,
                                                           "item": op.item.name if op.item else None})
