"""What the server holds of a visit, as a tablet reads it to continue the visit."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ..extensions import db
from ..media.models import Attachment
from ..visits import attachments
from ..visits.models import Answer
from ..visits.models import RepeatInstance
from ..visits.models import Visit
from .requests import stamp


def visit_record(visit: Visit) -> dict[str, t.Any]:
    """The visit as the field knows it: the body of PUT /api/v1/visits/UUID."""
    return {"school_id": visit.school_id, "checklist_version_id": visit.checklist_version_id,
            "started_at": stamp(visit.started_at)}


def attachment_json(a: Attachment, entries: dict[int, str]) -> dict[str, t.Any]:
    return {
        "uuid": a.uuid, "kind": a.kind.value, "item_id": a.item_id,
        "entry": entries.get(a.instance_id) if a.instance_id else None,
        "signer": a.signer.value if a.signer else None, "signer_name": a.signer_name,
        "width": a.width, "height": a.height, "sha256": a.sha256, "source_sha256": a.source_sha256,
        "taken_at": stamp(a.taken_at),
        "latitude": str(a.latitude) if a.latitude is not None else None,
        "longitude": str(a.longitude) if a.longitude is not None else None,
        "file_id": a.id, "status": a.status.value, "refused_reason": a.refused_reason,
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
            "at": stamp(visit.checkin_at)},
        "submitted_at": stamp(visit.submitted_at),
        "answers": [{"item_id": a.item_id, "entry": keys.get(a.instance_id) if a.instance_id else None,
                     "value": a.value, "note": a.note, "rev": a.rev, "updated_at": stamp(a.updated_at)}
                    for a in answers],
        "entries": [{"uuid": e.uuid, "item_id": e.item_id, "position": e.position,
                     "removed": e.removed_at is not None} for e in entries],
        "media": [attachment_json(a, keys) for a in files],
    }
