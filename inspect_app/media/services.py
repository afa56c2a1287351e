"""The file store: check and store photos and PDFs for the packages that own them.

A photo is checked cheaply here and processed (decoded, turned, scaled, stamped) by a background
task once the request's transaction commits: see ``processing``.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import typing as t
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from pathlib import PurePosixPath

from flask import abort
from flask import current_app
from flask_babel import gettext as _

from ..audit import services as audit
from ..core import storage
from ..db import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from . import processing
from .models import Attachment
from .models import AttachmentKind
from .models import FileStatus
from .processing import ACCEPTED_FORMATS as ACCEPTED_FORMATS
from .processing import Probe as Probe
from .processing import StoredImage as StoredImage
from .processing import check_image as check_image
from .processing import decode_image as decode_image
from .processing import stamp_image as stamp_image

if t.TYPE_CHECKING:
    from ..auth.models import User


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
    probe: Probe | None = None,
) -> tuple[Attachment, Probe | None]:
    """Check and store a PDF as sent, or a photo as sent for the background task to process.

    A photo is checked from its header only (``check_image``) and stays *processing* until
    ``processing.process_photo``, queued for when the transaction commits, has written the upright,
    bounded JPEG (``path``), its thumbnail and stamped copy. The attachment belongs to its owner (a
    visit and its item, or a rectification); the owner's package checks that the file may be added
    and writes the audit entry. ``probe`` is the photo already checked by the caller; ``key`` is the
    client's UUID for the file, if any.
    """
    # Files get a name of their own: two requests storing the same client UUID at the same moment
    # must not write (or, the loser, roll back) the same file.
    name = str(uuidlib.uuid4())
    key = key or name
    month = utcnow().strftime("%Y/%m")
    # A file named .pdf is checked as a PDF, so that a damaged or mislabelled one is called that,
    # not "not a photo".
    is_pdf = data.startswith(b"%PDF-") or Path(filename).suffix.lower() == ".pdf"
    width: int | None = None
    height: int | None = None
    if is_pdf:
        check_pdf(data, filename=filename)
        probe = None
        path, original, status = f"docs/{month}/{name}.pdf", None, FileStatus.READY
        content_type, kind = "application/pdf", AttachmentKind.DOCUMENT
        write(path, data)
    else:
        probe = probe or check_image(data, filename=filename)
        width, height = probe.stored_size(current_app.config["IMAGE_LONG_EDGE"])
        path, original, status = f"photos/{month}/{name}.jpg", f"originals/{month}/{name}.{probe.suffix}", \
            FileStatus.PROCESSING
        content_type, kind = "image/jpeg", AttachmentKind.PHOTO
        write(original, data)
    attachment = Attachment(
        uuid=key, kind=kind, visit_id=visit_id, item_id=item_id, rectification_id=rectification_id,
        original_name=Path(filename).name[:256] or "upload", path=path, thumb_path=None,
        content_type=content_type, size_bytes=len(data), width=width, height=height,
        sha256=hashlib.sha256(data).hexdigest(), taken_at=probe.taken_at if probe else None,
        uploaded_by_id=actor.id, status=status, original_path=original,
    )
    db.session.add(attachment)
    db.session.flush()
    if status == FileStatus.PROCESSING:
        processing.queue(attachment)
    return attachment, probe


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
    for relative in (attachment.path, attachment.thumb_path, attachment.stamped_path, attachment.report_path,
                     attachment.original_path):
        if relative:
            storage.discard("uploads", relative)
    if attachment.content_type == "application/pdf" and attachment.path.startswith("docs/"):
        storage.discard("uploads", _page_thumb_key(attachment))
    db.session.delete(attachment)
    db.session.flush()


# Rendering the first page of a PDF may not take longer than this (seconds); a page that does gets the icon.
PDF_RENDER_TIMEOUT = 10


def _page_thumb_key(attachment: Attachment) -> str:
    return "thumbs/" + PurePosixPath(attachment.path).relative_to("docs").with_suffix(".jpg").as_posix()


def document_thumb(attachment: Attachment) -> str | None:
    """The first page of a PDF as a JPEG thumbnail, rendered once (``pdftoppm``) and kept beside the photos'.

    Its key in the ``uploads`` store; None when the file is no PDF, no renderer is installed, or rendering
    fails or takes too long: the page then shows a generic PDF icon. The thumbnail is derived data,
    stored outside any transaction.
    """
    if attachment.content_type != "application/pdf" or not attachment.path.startswith("docs/"):
        return None
    key = _page_thumb_key(attachment)
    store = storage.area("uploads")
    if store.exists(key):
        return key
    renderer = shutil.which("pdftoppm")
    if renderer is None:
        return None
    edge = str(current_app.config["THUMB_LONG_EDGE"])
    with tempfile.TemporaryDirectory() as work:
        source, root = Path(work) / "document.pdf", Path(work) / "page"
        try:
            source.write_bytes(storage.read("uploads", attachment.path))
            subprocess.run(  # noqa: S603 - a fixed program on a file of our own
                [renderer, "-f", "1", "-l", "1", "-singlefile", "-jpeg", "-scale-to", edge, str(source), str(root)],
                capture_output=True, timeout=PDF_RENDER_TIMEOUT, check=True,
            )
            page = root.with_suffix(".jpg").read_bytes()
        except (OSError, subprocess.SubprocessError, storage.StorageError):
            return None
    store.save(key, page)
    return key


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
