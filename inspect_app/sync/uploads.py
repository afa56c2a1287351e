"""Photos and signatures from a tablet, stored under the client's UUID and bound to their place."""

from __future__ import annotations

import hashlib
import typing as t
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..extensions import db
from ..media import services as media
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..media.models import Signer
from ..visits import photos
from ..visits.models import RepeatInstance
from ..visits.models import Visit
from .models import SyncKind
from .requests import Client
from .requests import Outcome
from .requests import body_hash
from .requests import check_uuid
from .requests import finish
from .requests import record_request
from .state import attachment_json

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..checklists.models import ChecklistItem


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
    # Check before the first write: on SQLite the write lock is then held only for the inserts.
    decoded = media.check_image(data, filename=target.filename) if existing is None and \
        target.kind == AttachmentKind.PHOTO and not data.startswith(b"%PDF-") else None
    row = record_request(visit, SyncKind.MEDIA, actor=actor, client=client,
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
            return finish(row, Outcome(201, attachment_json(attachment, keys)))
    entry_keys = {}
    if existing.instance_id:
        entry = db.session.get(RepeatInstance, existing.instance_id)
        entry_keys = {entry.id: entry.uuid} if entry else {}
    if existing.source_sha256 == actual and _binding(existing) == target.binding():
        return finish(row, Outcome(200, attachment_json(existing, entry_keys)))
    return finish(row, Outcome(409, {"error": _("The key “%(key)s” already names another file.", key=key),
                                      "current": attachment_json(existing, entry_keys)}))
