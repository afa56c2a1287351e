"""Evidence files: decode, check, normalise and store photos and PDFs."""

from __future__ import annotations

import hashlib
import io
import os
import typing as t
import uuid as uuidlib
import warnings
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont
from PIL import ImageOps
from PIL import UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..audit import services as audit
from ..checklists.models import ItemType
from ..db import LOCAL_TZ
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from .models import Attachment
from .models import AttachmentKind
from .models import Signer

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..checklists.models import ChecklistItem
    from ..findings.models import Finding
    from ..rectification.models import Rectification
    from ..visits.models import RepeatInstance
    from ..visits.models import Visit

EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
# Fonts with Chinese glyphs for the stamped copy, tried in order after STAMP_FONT.
STAMP_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"}


@dataclass
class StoredImage:
    data: bytes
    thumb: bytes
    width: int
    height: int
    taken_at: datetime | None
    # (latitude, longitude) from the EXIF GPS tags, if the camera wrote them; never in ``data``.
    position: tuple[Decimal, Decimal] | None = None


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _sniff_unsupported(data: bytes) -> str | None:
    head = data[:32]
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif"):
        return "HEIC/AVIF"
    return None


def _taken_at(image: Image.Image) -> datetime | None:
    try:
        raw = image.getexif().get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL)
        if not raw:
            return None
        # EXIF times carry no zone; cameras here keep Beijing time.
        return datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(tzinfo=LOCAL_TZ)
    except (ValueError, KeyError, TypeError):
        return None


def _exif_position(image: Image.Image) -> tuple[Decimal, Decimal] | None:
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None

        def degrees(parts: t.Any, ref: t.Any) -> Decimal:
            d, m, sec = (Decimal(str(float(x))) for x in parts)
            value = d + m / 60 + sec / 3600
            return -value if str(ref).upper() in ("S", "W") else value

        lat, lon = degrees(gps[2], gps.get(1, "N")), degrees(gps[4], gps.get(3, "E"))
    except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001"))


def decode_image(data: bytes, *, filename: str) -> StoredImage:
    """Fully decode an uploaded image and return a re-encoded, upright, bounded JPEG and thumbnail.

    Truncated files, decompression bombs and formats the server cannot read are
    refused with a message naming the file.
    """
    config = current_app.config
    if len(data) > config["MAX_IMAGE_BYTES"]:
        raise ValidationFailed(_("Photo “%(file)s” is larger than %(limit)d MB.",
                                 file=filename, limit=config["MAX_IMAGE_BYTES"] // (1024 * 1024)))
    unsupported = _sniff_unsupported(data)
    if unsupported:
        raise ValidationFailed(_("Photo “%(file)s” is in %(fmt)s format, which cannot be read here. "
                                 "Set the camera to JPEG (“Most compatible”) and take it again.",
                                 file=filename, fmt=unsupported))
    max_pixels = config["MAX_IMAGE_PIXELS"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationFailed(_("“%(file)s” is not a photo in a supported format (JPEG, PNG, WebP).",
                                         file=filename))
            if image.width * image.height > max_pixels:
                raise ValidationFailed(_("Photo “%(file)s” has too many pixels (%(w)d×%(h)d).",
                                         file=filename, w=image.width, h=image.height))
            image.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ValidationFailed(_("Photo “%(file)s” has too many pixels to be a photo.", file=filename)) from exc
    except UnidentifiedImageError as exc:
        raise ValidationFailed(_("“%(file)s” is not a photo in a supported format (JPEG, PNG, WebP).",
                                 file=filename)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed(_("Photo “%(file)s” is damaged or incomplete and cannot be read.",
                                 file=filename)) from exc
    taken_at = _taken_at(image)
    position = _exif_position(image)
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L"):
        background = Image.new("RGB", upright.size, "white")
        rgba = upright.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        upright = background
    upright = upright.convert("RGB")
    long_edge = config["IMAGE_LONG_EDGE"]
    upright.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85, optimize=True)
    thumb = upright.copy()
    thumb.thumbnail((config["THUMB_LONG_EDGE"], config["THUMB_LONG_EDGE"]), Image.Resampling.LANCZOS)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "JPEG", quality=80)
    return StoredImage(out.getvalue(), thumb_out.getvalue(), upright.width, upright.height, taken_at, position)


def _stamp_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (current_app.config.get("STAMP_FONT") or "", *STAMP_FONTS):
        if path and Path(path).is_file():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def stamp_image(data: bytes, lines: list[str]) -> bytes:
    """A copy of a stored photo with ``lines`` written on a dark band along its bottom edge."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    size = max(14, image.width // 45)
    font = _stamp_font(size)
    pad = size // 2
    band = (size + pad) * len(lines) + pad
    canvas = Image.new("RGB", (image.width, image.height + band), (20, 20, 20))
    canvas.paste(image, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for n, line in enumerate(lines):
        draw.text((pad, image.height + pad + n * (size + pad)), line, font=font, fill=(255, 255, 255))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=85)
    return out.getvalue()


def check_pdf(data: bytes, *, filename: str) -> None:
    """Refuse anything that is not a readable, unencrypted PDF within the size limit."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if len(data) > current_app.config["MAX_DOCUMENT_BYTES"]:
        raise ValidationFailed(_("File “%(file)s” is larger than %(limit)d MB.", file=filename,
                                 limit=current_app.config["MAX_DOCUMENT_BYTES"] // (1024 * 1024)))
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed(_("“%(file)s” is not a PDF file.", file=filename))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationFailed(_("PDF “%(file)s” is password-protected.", file=filename))
        if len(reader.pages) == 0:
            raise ValidationFailed(_("PDF “%(file)s” has no pages.", file=filename))
    except ValidationFailed:
        raise
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise ValidationFailed(_("PDF “%(file)s” is damaged and cannot be read.", file=filename)) from exc


# Files follow the database transaction: a file written for a row that is rolled back is
# deleted, and a file whose row is deleted goes only once that deletion is committed. A savepoint
# rolled back (one refused operation of a sync batch) undoes only the files of that savepoint.
WRITTEN, DOOMED = "media_written", "media_doomed"


def _current_transaction(session: t.Any) -> t.Any:
    real = session() if callable(session) else session  # the scoped session's own Session
    return real.get_nested_transaction() or real.get_transaction()


def _within(transaction: t.Any, ancestor: t.Any) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(WRITTEN, None)
    for _transaction, path in session.info.pop(DOOMED, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: t.Any) -> None:
    if previous.parent is None and not previous.nested:
        session.info.pop(DOOMED, None)
        written = session.info.pop(WRITTEN, [])
    else:
        written = [(tr, p) for tr, p in session.info.get(WRITTEN, []) if _within(tr, previous)]
        session.info[WRITTEN] = [(tr, p) for tr, p in session.info.get(WRITTEN, []) if not _within(tr, previous)]
        session.info[DOOMED] = [(tr, p) for tr, p in session.info.get(DOOMED, []) if not _within(tr, previous)]
    for _transaction, path in written:
        path.unlink(missing_ok=True)


def _doom(path: Path) -> None:
    db.session.info.setdefault(DOOMED, []).append((_current_transaction(db.session), path))


def _write(relative: str, data: bytes) -> None:
    keep_file(_upload_dir() / relative, data)


def keep_file(path: Path, data: bytes) -> None:
    """Write a file that lives and dies with the database transaction (and savepoint) it belongs to."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    db.session.info.setdefault(WRITTEN, []).append((_current_transaction(db.session), path))


def _store(
    data: bytes,
    *,
    filename: str,
    actor: User,
    visit: Visit | None = None,
    item: ChecklistItem | None = None,
    rectification: Rectification | None = None,
    key: str | None = None,
    decoded: StoredImage | None = None,
) -> tuple[Attachment, StoredImage | None]:
    # Files get a name of their own: two requests storing the same client UUID at the same moment
    # must not write (or, the loser, roll back) the same file.
    name = str(uuidlib.uuid4())
    key = key or name
    month = utcnow().strftime("%Y/%m")
    # A file named .pdf is checked as a PDF, so that a damaged or mislabelled one is called that,
    # not "not a photo".
    is_pdf = data.startswith(b"%PDF-") or Path(filename).suffix.lower() == ".pdf"
    image: StoredImage | None = decoded
    if is_pdf:
        check_pdf(data, filename=filename)
        stored, thumb, width, height, taken_at = data, None, None, None, None
        path, content_type, kind = f"docs/{month}/{name}.pdf", "application/pdf", AttachmentKind.DOCUMENT
    else:
        image = decoded or decode_image(data, filename=filename)
        stored, thumb, width, height, taken_at = image.data, image.thumb, image.width, image.height, image.taken_at
        path, content_type, kind = f"photos/{month}/{name}.jpg", "image/jpeg", AttachmentKind.PHOTO
    thumb_path = f"thumbs/{month}/{name}.jpg" if thumb else None
    _write(path, stored)
    if thumb_path and thumb:
        _write(thumb_path, thumb)
    attachment = Attachment(
        uuid=key, kind=kind, visit_id=visit.id if visit else None, item_id=item.id if item else None,
        rectification_id=rectification.id if rectification else None,
        original_name=Path(filename).name[:256] or "upload", path=path, thumb_path=thumb_path,
        content_type=content_type, size_bytes=len(stored), width=width, height=height,
        sha256=hashlib.sha256(stored).hexdigest(), taken_at=taken_at, uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment, image


@dataclass
class Capture:
    """What the tablet knew when a photo was taken: the time and its own position (either may be missing)."""

    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: Decimal | None = None


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
                    capture: Capture | None = None, decoded: StoredImage | None = None) -> Attachment:
    """Attach a photo to one checklist item of a visit (and to one entry, inside a repeat).

    The capture time comes from the photo's EXIF, else from the tablet (``capture``). The position
    is kept only when the item asks for it (``photo_location``): the EXIF GPS, else the tablet's.
    A copy stamped with the school, the time and the place is stored beside it for reports.
    ``decoded`` is the photo already decoded by the caller (outside its database transaction).
    """
    from ..visits.services import _check_entry
    from ..visits.services import mark_started
    from ..visits.services import require_editable

    require_editable(visit)
    _check_entry(visit, item, entry)
    if data.startswith(b"%PDF-"):
        raise ValidationFailed(_("“%(file)s” is not a photo in a supported format (JPEG, PNG, WebP).",
                                 file=filename))
    attachment, image = _store(data, filename=filename, actor=actor, visit=visit, item=item, key=key,
                               decoded=decoded)
    assert image is not None
    capture = capture or Capture()
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
    stamped = f"stamped/{attachment.path.split('/', 1)[1]}"
    _write(stamped, stamp_image(image.data, _stamp_lines(visit, attachment)))
    attachment.stamped_path = stamped
    mark_started(visit, actor)
    after: dict[str, t.Any] = {"item": item.name, "file": attachment.original_name, "sha256": attachment.sha256}
    if entry is not None:
        after["entry"] = entry.uuid
    if attachment.latitude is not None:
        after["position"] = f"{attachment.latitude} {attachment.longitude}"
    audit.record(actor, "photo.add", attachment, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 after=after)
    return attachment


def add_evidence(rect: Rectification, data: bytes, *, filename: str, actor: User) -> Attachment:
    """Attach a photo or PDF as rectification evidence (佐证材料)."""
    from ..rectification.models import RectificationStatus

    if rect.status in (RectificationStatus.SUBMITTED, RectificationStatus.CLOSED):
        raise InvalidTransition(_("The rectification is “%(status)s”; evidence can no longer be added.",
                                  status=rect.status.label))
    attachment, _image = _store(data, filename=filename, actor=actor, rectification=rect)
    audit.record(actor, "evidence.add", attachment, school_id=rect.finding.school_id,
                 campaign_id=rect.finding.campaign_id,
                 after={"rectification": rect.id, "file": attachment.original_name, "sha256": attachment.sha256})
    return attachment


def remove(attachment: Attachment, *, actor: User) -> None:
    """Delete an attachment that is still part of editable work."""
    from ..rectification.models import RectificationStatus
    from ..visits.models import Visit

    school_id = campaign_id = None
    if attachment.visit_id is not None:
        visit = db.session.get(Visit, attachment.visit_id)
        assert visit is not None
        if not visit.status.editable:
            raise InvalidTransition(_("The visit has been submitted and can no longer be changed."))
        school_id, campaign_id = visit.school_id, visit.campaign_id
    else:
        from ..rectification.models import Rectification

        rect = db.session.get(Rectification, attachment.rectification_id)
        assert rect is not None
        if rect.status in (RectificationStatus.SUBMITTED, RectificationStatus.CLOSED):
            raise InvalidTransition(_("The rectification is “%(status)s”; evidence can no longer be removed.",
                                      status=rect.status.label))
        school_id, campaign_id = rect.finding.school_id, rect.finding.campaign_id
    audit.record(actor, "attachment.remove", attachment, school_id=school_id, campaign_id=campaign_id,
                 before={"file": attachment.original_name, "sha256": attachment.sha256})
    for relative in (attachment.path, attachment.thumb_path, attachment.stamped_path):
        if relative:
            _doom(_upload_dir() / relative)
    db.session.delete(attachment)
    db.session.flush()


PhotoKey = tuple[int, int | None]  # (item id, repeat entry id or None)


def visit_attachments(visit: Visit) -> list[Attachment]:
    stmt = sa.select(Attachment).where(Attachment.visit_id == visit.id).order_by(Attachment.id)
    return list(db.session.scalars(stmt))


def visit_photos(visit: Visit) -> dict[PhotoKey, list[Attachment]]:
    """The visit's photos grouped by (checklist item, repeat entry)."""
    grouped: dict[PhotoKey, list[Attachment]] = {}
    for attachment in visit_attachments(visit):
        grouped.setdefault((attachment.item_id or 0, attachment.instance_id), []).append(attachment)
    return grouped


def finding_files(finding: Finding) -> list[Attachment]:
    """Files kept as a finding's own evidence, such as the roster rows behind it."""
    stmt = sa.select(Attachment).where(Attachment.finding_id == finding.id).order_by(Attachment.id)
    return list(db.session.scalars(stmt))


def photo_counts(visit: Visit) -> dict[PhotoKey, int]:
    stmt = (
        sa.select(Attachment.item_id, Attachment.instance_id, sa.func.count())
        .where(Attachment.visit_id == visit.id)
        .group_by(Attachment.item_id, Attachment.instance_id)
    )
    return {(item_id, instance_id): n for item_id, instance_id, n in db.session.execute(stmt) if item_id is not None}


def finding_photos(finding: Finding) -> list[Attachment]:
    """The inspection photos behind a finding: those of its item and of the item's photo questions."""
    item = finding.item
    if item is None:
        return []
    item_ids = [item.id] + [d.id for d in item.details if d.type == ItemType.IMAGE]
    stmt = (
        sa.select(Attachment)
        .where(Attachment.visit_id == finding.visit_id, Attachment.item_id.in_(item_ids),
               Attachment.instance_id.is_(None) if finding.instance_id is None
               else Attachment.instance_id == finding.instance_id)
        .order_by(Attachment.id)
    )
    return list(db.session.scalars(stmt))


def evidence(rect_ids: t.Iterable[int]) -> dict[int, list[Attachment]]:
    ids = list(rect_ids)
    grouped: dict[int, list[Attachment]] = {i: [] for i in ids}
    if not ids:
        return grouped
    stmt = sa.select(Attachment).where(Attachment.rectification_id.in_(ids)).order_by(Attachment.id)
    for attachment in db.session.scalars(stmt):
        grouped[attachment.rectification_id or 0].append(attachment)
    return grouped


def file_path(attachment: Attachment, *, thumb: bool = False, stamped: bool = False) -> Path:
    relative = attachment.path
    if thumb and attachment.thumb_path:
        relative = attachment.thumb_path
    elif stamped and attachment.stamped_path:
        relative = attachment.stamped_path
    return _upload_dir() / relative


def add_signature(visit: Visit, data: bytes, *, signer: Signer, signer_name: str | None, actor: User,
                  key: str | None = None) -> Attachment:
    """Keep a signature drawn on the tablet (the inspector's or the school representative's).

    A new signature by the same signer replaces the earlier one.
    """
    from ..visits.services import mark_started
    from ..visits.services import require_editable

    require_editable(visit)
    name = (signer_name or "").strip() or None
    if name and len(name) > 64:
        raise ValidationFailed(_("The signer's name is longer than %(n)d characters.", n=64))
    if signer == Signer.SCHOOL and not name:
        raise ValidationFailed(_("Give the name of the school's representative who signs."))
    filename = f"signature-{signer.value}.png"
    earlier = list(db.session.scalars(sa.select(Attachment).where(
        Attachment.visit_id == visit.id, Attachment.kind == AttachmentKind.SIGNATURE, Attachment.signer == signer)))
    attachment, _image = _store(data, filename=filename, actor=actor, visit=visit, key=key)
    attachment.kind, attachment.signer, attachment.signer_name = AttachmentKind.SIGNATURE, signer, name
    mark_started(visit, actor)
    audit.record(actor, "signature.add", attachment, school_id=visit.school_id, campaign_id=visit.campaign_id,
                 after={"signer": signer, "name": name, "sha256": attachment.sha256})
    for old in earlier:
        remove(old, actor=actor)
    return attachment


def visit_signatures(visit: Visit) -> dict[Signer, Attachment]:
    """The visit's current signature of each signer."""
    stmt = (sa.select(Attachment).where(Attachment.visit_id == visit.id, Attachment.kind == AttachmentKind.SIGNATURE)
            .order_by(Attachment.id))
    return {t.cast(Signer, a.signer): a for a in db.session.scalars(stmt)}
