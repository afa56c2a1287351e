"""The file store: decode, check, normalise and store photos and PDFs for the packages that own them."""

from __future__ import annotations

import hashlib
import io
import typing as t
import uuid as uuidlib
import warnings
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from flask import abort
from flask import current_app
from flask_babel import gettext as _
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont
from PIL import ImageOps
from PIL import UnidentifiedImageError

from ..audit import services as audit
from ..core import storage
from ..db import LOCAL_TZ
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from .models import Attachment
from .models import AttachmentKind

if t.TYPE_CHECKING:
    from ..auth.models import User

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
    # pypdf is heavy and only this check reads PDFs.
    import pypdf

    if len(data) > current_app.config["MAX_DOCUMENT_BYTES"]:
        raise ValidationFailed(_("File “%(file)s” is larger than %(limit)d MB.", file=filename,
                                 limit=current_app.config["MAX_DOCUMENT_BYTES"] // (1024 * 1024)))
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed(_("“%(file)s” is not a PDF file.", file=filename))
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationFailed(_("PDF “%(file)s” is password-protected.", file=filename))
        if len(reader.pages) == 0:
            raise ValidationFailed(_("PDF “%(file)s” has no pages.", file=filename))
    except ValidationFailed:
        raise
    except (pypdf.errors.PyPdfError, ValueError, KeyError, OSError) as exc:
        raise ValidationFailed(_("PDF “%(file)s” is damaged and cannot be read.", file=filename)) from exc


def write(relative: str, data: bytes) -> None:
    """Store a file in the ``uploads`` store that lives and dies with the database transaction."""
    storage.keep("uploads", relative, data)


def store(
    data: bytes,
    *,
    filename: str,
    actor: User,
    visit_id: int | None = None,
    item_id: int | None = None,
    rectification_id: int | None = None,
    key: str | None = None,
    decoded: StoredImage | None = None,
) -> tuple[Attachment, StoredImage | None]:
    """Check and store a photo (decoded, upright, bounded, with a thumbnail) or a PDF as sent.

    The attachment belongs to its owner (a visit and its item, or a rectification); the owner's
    package checks that the file may be added and writes the audit entry. ``decoded`` is the
    photo already decoded by the caller; ``key`` is the client's UUID for the file, if any.
    """
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
    write(path, stored)
    if thumb_path and thumb:
        write(thumb_path, thumb)
    attachment = Attachment(
        uuid=key, kind=kind, visit_id=visit_id, item_id=item_id, rectification_id=rectification_id,
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


def remove(attachment: Attachment, *, actor: User, school_id: int | None, campaign_id: int | None) -> None:
    """Delete an attachment and, once the deletion is committed, its files.

    The owner's package checks first that its file may still be removed.
    """
    audit.record(actor, "attachment.remove", attachment, school_id=school_id, campaign_id=campaign_id,
                 before={"file": attachment.original_name, "sha256": attachment.sha256})
    for relative in (attachment.path, attachment.thumb_path, attachment.stamped_path):
        if relative:
            storage.discard("uploads", relative)
    db.session.delete(attachment)
    db.session.flush()


def file_key(attachment: Attachment, *, thumb: bool = False, stamped: bool = False) -> str:
    """The attachment's key in the ``uploads`` store: the file itself, its thumbnail or its stamped copy."""
    if thumb and attachment.thumb_path:
        return attachment.thumb_path
    if stamped and attachment.stamped_path:
        return attachment.stamped_path
    return attachment.path


def file_path(attachment: Attachment, *, thumb: bool = False, stamped: bool = False) -> Path:
    """Where the file lies on this host, when the ``uploads`` store is a local folder (scripts, tests)."""
    path = storage.area("uploads").local_path(file_key(attachment, thumb=thumb, stamped=stamped))
    if path is None:
        raise storage.StorageError("the uploads are in an object store, not in a folder of this host")
    return path


def serve(attachment: Attachment, *, thumb: bool = False, stamped: bool = False,
          attachment_download: bool | None = None, max_age: int = 3600) -> t.Any:
    """Answer a request for the attachment's file, streamed or through a short-lived link to the object store."""
    key = file_key(attachment, thumb=thumb, stamped=stamped)
    if not storage.area("uploads").exists(key):
        abort(404)
    content_type = "image/jpeg" if key != attachment.path else attachment.content_type
    download = not content_type.startswith("image/") if attachment_download is None else attachment_download
    response = storage.serve("uploads", key, filename=attachment.original_name, mimetype=content_type,
                             attachment=download, max_age=max_age)
    response.headers["Cache-Control"] = f"private, max-age={max_age}"
    return response
