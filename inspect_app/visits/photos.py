"""Photos and signatures taken at a visit: checked against the visit, stamped, stored and audited."""

from __future__ import annotations

import typing as t
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import services as audit
from ..db import LOCAL_TZ
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..media import services as media
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..media.models import Signer
from . import attachments
from .models import Visit
from .services import check_entry
from .services import mark_started
from .services import require_editable

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..checklists.models import ChecklistItem
    from .models import RepeatInstance


def stamp_lines(attachment: Attachment) -> list[str] | None:
    """The school, time and place written on a visit photo's stamped copy (signatures get none)."""
    if attachment.kind != AttachmentKind.PHOTO or attachment.visit_id is None:
        return None
    visit = db.session.get(Visit, attachment.visit_id)
    return _stamp_lines(visit, attachment) if visit is not None else None


def _stamp_lines(visit: Visit, attachment: Attachment) -> list[str]:
    at = (attachment.taken_at or attachment.created_at).astimezone(LOCAL_TZ)
    school = visit.school
    place: str
    if attachment.latitude is not None and attachment.longitude is not None:
        place = f"{attachment.latitude}, {attachment.longitude}"
    elif visit.checkin_latitude is not None and visit.checkin_longitude is not None:
        place = _("%(lat)s, %(lon)s (check-in)", lat=visit.checkin_latitude, lon=visit.checkin_longitude)
    else:
        place = school.address or school.county.name
    return [f"{school.name}（{school.code}）", _("Taken %(time)s · %(place)s", time=at.strftime("%Y-%m-%d %H:%M"),
                                                place=place)]


def add_visit_photo(visit: Visit, item: ChecklistItem, data: bytes, *, filename: str, actor: User,
                    entry: RepeatInstance | None = None, key: str | None = None,
                    capture: media.Capture | None = None, decoded: media.Probe | None = None) -> Attachment:
    """Attach a photo to one checklist item of a visit (and to one entry, inside a repeat).

    The capture time comes from the photo's EXIF, else from the tablet (``capture``). The position
    is kept only when the item asks for it (``photo_location``): the EXIF GPS, else the tablet's.
    A copy stamped with the school, the time and the place is made beside it for reports when the
    photo is processed in the background (``stamp_lines``, registered with the file store).
    ``decoded`` is the photo already checked by the caller (outside its database transaction).
    """
    require_editable(visit)
    check_entry(visit, item, entry)
    if data.startswith(b"%PDF-"):
        raise ValidationFailed(_("“%(file)s” is not a photo in a supported format (JPEG, PNG, WebP).",
                                 file=filename))
    attachment, image = media.store(data, filename=filename, actor=actor, visit_id=visit.id, item_id=item.id,
                                    key=key, probe=decoded)
    assert image is not None
    capture = capture or media.Capture()
    attachment.instance_id = entry.id if entry is not None else None
    if attachment.taken_at is None and capture.taken_at is not None and capture.taken_at <= utcnow():
        attachment.taken_at = capture.taken_at
    if item.photo_location:
        if image.position is not None:
            attachment.latitude, attachment.longitude = image.position
        elif capture.latitude is not None and capture.longitude is not None:
            attachment.latitude = capture.latitude.quantize(Decimal("0.000001"))
            attachment.longitude = capture.longitude.quantize(Decimal("0.000001"))
            if capture.accuracy_m is not None:
                attachment.accuracy_m = capture.accuracy_m.quantize(Decimal("0.1"))
    mark_started(visit, actor)
    after: dict[str, t.Any] = {"item": item.name, "file": attachment.original_name, "sha256": attachment.sha256}
    if entry is not None:
        after["entry"] = entry.uuid
    if attachment.latitude is not None:
        after["position"] = f"{attachment.latitude} {attachment.longitude}"
    audit.record(actor, "photo.add", attachment, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 after=after)
    return attachment


def add_signature(visit: Visit, data: bytes, *, signer: Signer, signer_name: str | None, actor: User,
                  key: str | None = None) -> Attachment:
    """Keep a signature drawn on the tablet (the inspector's or the school representative's).

    A new signature by the same signer replaces the earlier one.
    """
    require_editable(visit)
    name = (signer_name or "").strip() or None
    if name and len(name) > 64:
        raise ValidationFailed(_("The signer's name is longer than %(n)d characters.", n=64))
    if signer == Signer.SCHOOL and not name:
        raise ValidationFailed(_("Give the name of the school's representative who signs."))
    filename = f"signature-{signer.value}.png"
    earlier = list(db.session.scalars(sa.select(Attachment).where(
        Attachment.visit_id == visit.id, Attachment.kind == AttachmentKind.SIGNATURE, Attachment.signer == signer)))
    attachment, _image = media.store(data, filename=filename, actor=actor, visit_id=visit.id, key=key)
    attachment.kind, attachment.signer, attachment.signer_name = AttachmentKind.SIGNATURE, signer, name
    mark_started(visit, actor)
    audit.record(actor, "signature.add", attachment, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 after={"signer": signer, "name": name, "sha256": attachment.sha256})
    for old in earlier:
        attachments.remove(old, actor=actor)
    return attachment
