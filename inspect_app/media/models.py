from __future__ import annotations

import typing as t
import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import orm

from ..db import enum_column
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    # A workbook the application wrote itself, such as the roster rows behind a finding.
    SPREADSHEET = "spreadsheet"
    # A signature drawn on the visit's tablet by an inspector or the school's representative.
    SIGNATURE = "signature"


class FileStatus(StrEnum):
    """Where a stored file stands: a photo is processing (处理中) until its scaled copy and thumbnail exist."""

    PROCESSING = "processing"
    READY = "ready"
    # The photo could not be decoded; ``refused_reason`` says why.
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return str(FILE_STATUS_LABELS[self])


FILE_STATUS_LABELS = {
    FileStatus.PROCESSING: _lp("file status", "Processing…"),
    FileStatus.READY: _lp("file status", "Ready"),
    FileStatus.REFUSED: _lp("file status", "Refused"),
}


class Signer(StrEnum):
    INSPECTOR = "inspector"
    SCHOOL = "school"

    @property
    def label(self) -> str:
        return str(SIGNER_LABELS[self])


SIGNER_LABELS = {
    Signer.INSPECTOR: _l("Inspector"),
    Signer.SCHOOL: _l("School representative"),
}


class Attachment(Model):
    """A stored file: a photo taken at a visit, rectification evidence from a school, or a finding's evidence."""

    __tablename__ = "attachments"
    __table_args__ = (
        sa.CheckConstraint(
            "(visit_id IS NOT NULL) OR (rectification_id IS NOT NULL) OR (finding_id IS NOT NULL)", name="has_owner"
        ),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    kind: orm.Mapped[AttachmentKind] = orm.mapped_column(enum_column(AttachmentKind))
    visit_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("visits.id"), index=True)
    item_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("checklist_items.id"))
    # The entry of a repeat the photo belongs to.
    instance_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("repeat_instances.id"), index=True)
    rectification_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("rectifications.id"), index=True)
    finding_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("findings.id"), index=True)
    original_name: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    # Paths relative to UPLOAD_DIR.
    path: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    thumb_path: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    # An .xlsx's media type alone is 65 characters.
    content_type: orm.Mapped[str] = orm.mapped_column(sa.String(128))
    size_bytes: orm.Mapped[int]
    width: orm.Mapped[int | None]
    height: orm.Mapped[int | None]
    sha256: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    # The bytes as the client sent them (PUT /api/v1/media/UUID): the same UUID with other bytes is refused.
    source_sha256: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    taken_at: orm.Mapped[datetime | None]
    # Where the photo was taken, kept only when its checklist item asks for it (``photo_location``).
    latitude: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(9, 6))
    longitude: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(9, 6))
    accuracy_m: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(9, 1))
    # A copy with the school, time and place stamped on it, for reports.
    stamped_path: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    # The copy the reports embed as it is: the stamped copy (else the photo) scaled to the appendix.
    report_path: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    report_width: orm.Mapped[int | None]
    report_height: orm.Mapped[int | None]
    status: orm.Mapped[FileStatus] = orm.mapped_column(enum_column(FileStatus), default=FileStatus.READY,
                                                       server_default=FileStatus.READY.value, index=True)
    # Why a photo was refused once decoded (a truncated file), in the words shown to its owner.
    refused_reason: orm.Mapped[str | None] = orm.mapped_column(sa.String(500))
    # The bytes as uploaded, kept only until the photo is processed (media/processing.py).
    original_path: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    signer: orm.Mapped[Signer | None] = orm.mapped_column(enum_column(Signer))
    signer_name: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    uploaded_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)

    uploaded_by: orm.Mapped[User | None] = orm.relationship()

    @property
    def is_image(self) -> bool:
        return self.kind == AttachmentKind.PHOTO

    @property
    def is_ready(self) -> bool:
        return self.status == FileStatus.READY
