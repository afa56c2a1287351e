"""Photos made ready off the request: the upload is checked cheaply and kept as sent, a task does the rest.

The request reads only the image's header (:func:`check_image`: size, format, pixel count, EXIF time
and position) and stores the bytes as sent under ``originals/``; the attachment is then *processing*
(处理中). Once the transaction commits, ``process_photo`` runs on the task queue (``core.tasks``): it
decodes the original — a JPEG at a reduced scale straight from its DCT data (``Image.draft``), never
the full 12 megapixels — turns it upright, scales it to IMAGE_LONG_EDGE, writes the photo, its
thumbnail, where the owner asks for one (``owners.set_stamper``), the stamped copy, and the copy
the reports embed as it is (``report_copy``: the stamped copy, else the photo, scaled to
REPORT_LONG_EDGE; its size in ``report_width`` and ``report_height``), marks it *ready* and deletes
the original (it still carries the camera's GPS position). A file that does not decode is marked
*refused* with the reason, which the owner's pages show.

The task is idempotent: its files have fixed keys and are overwritten whole, and only the run whose
conditional UPDATE (processing → ready) succeeds deletes the original. ``recover_photos`` queues
again every photo left processing for longer than PHOTO_STALE_SECONDS (a worker killed under it, a
task lost with its broker).
"""

from __future__ import annotations

import hashlib
import io
import logging
import typing as t
import warnings
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont
from PIL import UnidentifiedImageError

from ..core import storage
from ..core import tasks
from ..db import LOCAL_TZ
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from . import owners
from .models import Attachment
from .models import FileStatus

log = logging.getLogger(__name__)

EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
EXIF_ORIENTATION = 0x0112
# How to turn a picture stored in EXIF orientation N upright (as ImageOps.exif_transpose does).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
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
# Formats whose decoder can scale down while decoding.
DRAFT_FORMATS = {"JPEG", "MPO"}
# The copy the reports embed (two photos a row, about 70 mm wide: 480 px is some 170 dpi).
REPORT_LONG_EDGE = 480
REPORT_QUALITY = 75


@dataclass
class Probe:
    """What the header of an uploaded image says, read without decoding its pixels."""

    format: str
    width: int
    height: int
    taken_at: datetime | None
    # (latitude, longitude) from the EXIF GPS tags, if the camera wrote them.
    position: tuple[Decimal, Decimal] | None
    orientation: int = 1

    @property
    def suffix(self) -> str:
        return {"JPEG": "jpg", "MPO": "jpg"}.get(self.format, self.format.lower())

    def stored_size(self, long_edge: int) -> tuple[int, int]:
        """The size of the upright photo once scaled to ``long_edge``, known before decoding it."""
        width, height = scaled_size(self.width, self.height, long_edge)
        return (height, width) if self.orientation in (5, 6, 7, 8) else (width, height)


@dataclass
class StoredImage:
    data: bytes
    thumb: bytes
    width: int
    height: int
    taken_at: datetime | None
    # (latitude, longitude) from the EXIF GPS tags, if the camera wrote them; never in ``data``.
    position: tuple[Decimal, Decimal] | None = None
    # The upright, scaled picture itself, for a stamped copy without decoding ``data`` again.
    picture: Image.Image | None = field(default=None, repr=False, compare=False)


def scaled_size(width: int, height: int, long_edge: int) -> tuple[int, int]:
    """``width``×``height`` brought down to ``long_edge`` on its longer side (never enlarged)."""
    if max(width, height) <= long_edge:
        return width, height
    scale = long_edge / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


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


def _orientation(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(EXIF_ORIENTATION) or 1)
    except (ValueError, TypeError):
        return 1
    return value if value in UPRIGHT else 1


def _not_a_photo(filename: str) -> ValidationFailed:
    return ValidationFailed(_("“%(file)s” is not a photo in a supported format (JPEG, PNG, WebP).", file=filename))


def _damaged(filename: str) -> ValidationFailed:
    return ValidationFailed(_("Photo “%(file)s” is damaged or incomplete and cannot be read.", file=filename))


def _open(data: bytes, *, filename: str) -> Image.Image:
    """Open an image, reading its header only, and refuse it when its size, format or pixel count is wrong."""
    config = current_app.config
    if len(data) > config["MAX_IMAGE_BYTES"]:
        raise ValidationFailed(_("Photo “%(file)s” is larger than %(limit)d MB.",
                                 file=filename, limit=config["MAX_IMAGE_BYTES"] // (1024 * 1024)))
    unsupported = _sniff_unsupported(data)
    if unsupported:
        raise ValidationFailed(_("Photo “%(file)s” is in %(fmt)s format, which cannot be read here. "
                                 "Set the camera to JPEG (“Most compatible”) and take it again.",
                                 file=filename, fmt=unsupported))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ValidationFailed(_("Photo “%(file)s” has too many pixels to be a photo.", file=filename)) from exc
    except UnidentifiedImageError as exc:
        raise _not_a_photo(filename) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise _damaged(filename) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise _not_a_photo(filename)
    if image.width * image.height > config["MAX_IMAGE_PIXELS"]:
        raise ValidationFailed(_("Photo “%(file)s” has too many pixels (%(w)d×%(h)d).",
                                 file=filename, w=image.width, h=image.height))
    return image


def check_image(data: bytes, *, filename: str) -> Probe:
    """The cheap check made in the request: the header, the size, the pixel count and the format.

    Refuses with a message naming the file; what only decoding finds (a truncated file) is found
    by :func:`process_photo`, which then marks the photo refused.
    """
    image = _open(data, filename=filename)
    return Probe(image.format or "", image.width, image.height, _taken_at(image), _exif_position(image),
                 _orientation(image))


def decode_image(data: bytes, *, filename: str) -> StoredImage:
    """Decode an uploaded image and return an upright JPEG bounded to IMAGE_LONG_EDGE, and its thumbnail.

    A JPEG is decoded at the smallest of 1/8, 1/4, 1/2 or full scale still at least the stored size
    (draft mode), and then resampled. Truncated files, decompression bombs and formats the server
    cannot read are refused with a message naming the file.
    """
    config = current_app.config
    image = _open(data, filename=filename)
    taken_at, position, orientation = _taken_at(image), _exif_position(image), _orientation(image)
    target = scaled_size(image.width, image.height, config["IMAGE_LONG_EDGE"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format in DRAFT_FORMATS and target != image.size:
                image.draft(None, target)
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ValidationFailed(_("Photo “%(file)s” has too many pixels to be a photo.", file=filename)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise _damaged(filename) from exc
    picture: Image.Image = image
    if picture.mode not in ("RGB", "L"):
        background = Image.new("RGB", picture.size, "white")
        rgba = picture.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        picture = background
    picture = picture.convert("RGB")
    if picture.size != target:
        # reducing_gap: shrink by a whole factor first where the scale is large (PNG, no draft).
        picture = picture.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if orientation in UPRIGHT:
        picture = picture.transpose(UPRIGHT[orientation])
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    thumb = picture.copy()
    thumb.thumbnail((config["THUMB_LONG_EDGE"], config["THUMB_LONG_EDGE"]), Image.Resampling.LANCZOS)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "JPEG", quality=80)
    return StoredImage(out.getvalue(), thumb_out.getvalue(), picture.width, picture.height, taken_at, position,
                       picture)


def _stamp_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (current_app.config.get("STAMP_FONT") or "", *STAMP_FONTS):
        if path and Path(path).is_file():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def stamp_canvas(image: Image.Image, lines: list[str]) -> Image.Image:
    """``image`` with ``lines`` written on a dark band added along its bottom edge."""
    size = max(14, image.width // 45)
    font = _stamp_font(size)
    pad = size // 2
    band = (size + pad) * len(lines) + pad
    canvas = Image.new("RGB", (image.width, image.height + band), (20, 20, 20))
    canvas.paste(image, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for n, line in enumerate(lines):
        draw.text((pad, image.height + pad + n * (size + pad)), line, font=font, fill=(255, 255, 255))
    return canvas


def stamp_picture(image: Image.Image, lines: list[str]) -> bytes:
    """A JPEG copy of ``image`` with ``lines`` written on a dark band along its bottom edge."""
    out = io.BytesIO()
    stamp_canvas(image, lines).save(out, "JPEG", quality=85)
    return out.getvalue()


def report_copy(image: Image.Image) -> tuple[bytes, int, int]:
    """The JPEG the reports embed as it is, REPORT_LONG_EDGE on its long edge, and its width and height."""
    small = image.copy() if max(image.size) <= REPORT_LONG_EDGE else image.resize(
        scaled_size(image.width, image.height, REPORT_LONG_EDGE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=REPORT_QUALITY)
    return out.getvalue(), small.width, small.height


def stamp_image(data: bytes, lines: list[str]) -> bytes:
    """A copy of a stored photo with ``lines`` written on a dark band along its bottom edge."""
    return stamp_picture(Image.open(io.BytesIO(data)).convert("RGB"), lines)


# --- the task ------------------------------------------------------------------------------------------------


def derived_key(attachment: Attachment, folder: str) -> str:
    """The key of the photo's thumbnail (``thumbs``), stamped copy (``stamped``) or report copy (``reports``)."""
    return f"{folder}/{attachment.path.split('/', 1)[1]}"


def queue(attachment: Attachment) -> None:
    """Process the photo in the background once the current transaction commits."""
    tasks.enqueue(process_photo, attachment.id)


@tasks.task(retries=2, retry_delay=10)
def process_photo(attachment_id: int) -> None:
    """Decode, turn, scale, thumbnail and stamp one uploaded photo; a photo no longer processing is left alone."""
    process(attachment_id)


def process(attachment_id: int) -> FileStatus | None:
    """Process one photo in this application context; its status afterwards (None: no such photo)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.status != FileStatus.PROCESSING or not attachment.original_path:
        return attachment.status if attachment is not None else None
    original = attachment.original_path
    try:
        data = storage.read("uploads", original)
    except storage.StorageError:
        # Another run finished it and deleted the original in between.
        db.session.rollback()
        again = db.session.get(Attachment, attachment_id)
        return again.status if again is not None else None
    try:
        image = decode_image(data, filename=attachment.original_name)
    except ValidationFailed as refused:
        log.info("photo %s refused: %s", attachment_id, refused.message)
        return _finish(attachment_id, original, status=FileStatus.REFUSED, refused_reason=refused.message[:500])
    lines = owners.stamp_lines(attachment)
    area = storage.area("uploads")
    # Written outside the transaction under fixed keys: a second run writes the same files again.
    area.save(attachment.path, image.data)
    thumb_path = derived_key(attachment, "thumbs")
    area.save(thumb_path, image.thumb)
    stamped_path = None
    picture = image.picture
    if lines and picture is not None:
        stamped_path = derived_key(attachment, "stamped")
        picture = stamp_canvas(picture, lines)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=85)
        area.save(stamped_path, out.getvalue())
    report: dict[str, t.Any] = {}
    if picture is not None:
        # What a report shows, ready to be copied into it: the stamped copy where there is one.
        data, width, height = report_copy(picture)
        report = {"report_path": derived_key(attachment, "reports"), "report_width": width, "report_height": height}
        area.save(report["report_path"], data)
    return _finish(attachment_id, original, status=FileStatus.READY, thumb_path=thumb_path,
                   stamped_path=stamped_path, width=image.width, height=image.height,
                   size_bytes=len(image.data), sha256=hashlib.sha256(image.data).hexdigest(),
                   **report,
                   content_type="image/jpeg")


def _finish(attachment_id: int, original: str, **values: t.Any) -> FileStatus | None:
    """Record the outcome unless another run did; the run that records it deletes the original."""
    db.session.rollback()
    changed = db.session.execute(
        sa.update(Attachment)
        .where(Attachment.id == attachment_id, Attachment.status == FileStatus.PROCESSING)
        .values(original_path=None, **values)
    )
    db.session.commit()
    if int(getattr(changed, "rowcount", 0) or 0):
        storage.area("uploads").delete(original)
    found = db.session.get(Attachment, attachment_id)
    return found.status if found is not None else None


@tasks.periodic_task(tasks.every_minutes(5))
def recover_photos() -> None:
    """Queue again the photos left processing by a worker that is gone (or a task that never ran)."""
    stale = utcnow() - timedelta(seconds=current_app.config["PHOTO_STALE_SECONDS"])
    lost = db.session.scalars(
        sa.select(Attachment.id).where(Attachment.status == FileStatus.PROCESSING, Attachment.created_at < stale)
        .order_by(Attachment.id)
    ).all()
    for attachment_id in lost:
        log.warning("photo %s still processing; queued again", attachment_id)
        process_photo(attachment_id)


def process_waiting() -> int:
    """Process every photo still waiting, now, in this process (scripts, tests); returns how many."""
    waiting = db.session.scalars(
        sa.select(Attachment.id).where(Attachment.status == FileStatus.PROCESSING).order_by(Attachment.id)
    ).all()
    for attachment_id in waiting:
        process(attachment_id)
    return len(waiting)
