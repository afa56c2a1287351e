"""What the report kinds share: photo rows for the appendices, and moments as dates in Asia/Shanghai."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from ...campaigns.models import Campaign
from ...checklists.models import ChecklistItem
from ...db import LOCAL_TZ
from ...extensions import db
from ...findings.models import Finding
from ...findings.models import FindingStatus
from ...media.models import Attachment
from ...media.models import AttachmentKind
from ...media.models import FileStatus
from ...schools.models import County
from ...schools.models import School
from ...visits.models import Visit


@dataclass
class PhotoRow:
    """A photo for an appendix: the stored files and what its caption names."""

    path: str
    thumb_path: str | None
    stamped_path: str | None
    width: int | None
    height: int | None
    school: str
    item: str
    taken_at: datetime | None
    # The copy made for reports when the photo was processed (media/processing.py), and its size.
    report_path: str | None = None
    report_width: int | None = None
    report_height: int | None = None


# The columns of an attachment a report reads: rows, not objects, for a thousand photos.
PHOTO_COLUMNS = (Attachment.path, Attachment.thumb_path, Attachment.stamped_path, Attachment.width,
                 Attachment.height, Attachment.taken_at, Attachment.created_at, Attachment.report_path,
                 Attachment.report_width, Attachment.report_height)


def _photo_row(a: t.Any, school: str, item: str) -> PhotoRow:
    """A row of PHOTO_COLUMNS as a PhotoRow."""
    return PhotoRow(path=a.path, thumb_path=a.thumb_path, stamped_path=a.stamped_path, width=a.width,
                    height=a.height, school=school, item=item, taken_at=a.taken_at or a.created_at,
                    report_path=a.report_path, report_width=a.report_width, report_height=a.report_height)


def finding_photos(campaign: Campaign, *, school_id: int | None = None) -> list[PhotoRow]:
    """Photos behind confirmed problems, school by school in checklist order.

    A photo belongs to a problem when it was taken at the problem's item or at a photo question
    that details that item (``detail_of``), in the same repeat entry if the item repeats.
    """
    photo_item = orm.aliased(ChecklistItem)
    problem_item = orm.aliased(ChecklistItem)
    same_entry = sa.or_(
        sa.and_(Finding.instance_id.is_(None), Attachment.instance_id.is_(None)),
        Finding.instance_id == Attachment.instance_id,
    )
    stmt = (
        sa.select(*PHOTO_COLUMNS, School.name.label("school"), problem_item.label.label("item_label"),
                  problem_item.name.label("item_name"))
        .join(Visit, Visit.id == Attachment.visit_id)
        .join(School, School.id == Visit.school_id)
        .join(County, County.id == School.county_id)
        .join(photo_item, photo_item.id == Attachment.item_id)
        .join(Finding, sa.and_(
            Finding.visit_id == Attachment.visit_id,
            sa.or_(Finding.item_id == photo_item.id, Finding.item_id == photo_item.detail_of_id),
            same_entry,
        ))
        .join(problem_item, problem_item.id == Finding.item_id)
        .where(Visit.campaign_id == campaign.id, Attachment.kind == AttachmentKind.PHOTO,
               Attachment.status == FileStatus.READY, Finding.status == FindingStatus.CONFIRMED)
        .order_by(County.position, School.code, problem_item.position, Attachment.id)
    )
    if school_id is not None:
        stmt = stmt.where(Visit.school_id == school_id)
    return [
        _photo_row(row, row.school, f"{row.item_name} {row.item_label.get('zh') or row.item_name}")
        for row in db.session.execute(stmt)
    ]


def evidence_photo_rows(rect_ids: list[int], school: str, findings: list[Finding]) -> list[PhotoRow]:
    """The evidence photos a school uploaded for its rectifications, problem by problem."""
    if not rect_ids:
        return []
    order = {f.rectification.id: i for i, f in enumerate(findings) if f.rectification}
    labels = {
        f.rectification.id: f"问题{i}" + (f" {f.item.name}" if f.item else "")
        for i, f in enumerate(findings, start=1) if f.rectification
    }
    photos = db.session.execute(
        sa.select(*PHOTO_COLUMNS, Attachment.id, Attachment.rectification_id)
        .where(Attachment.rectification_id.in_(rect_ids), Attachment.kind == AttachmentKind.PHOTO,
               Attachment.status == FileStatus.READY)
    ).all()
    photos = sorted(photos, key=lambda a: (order.get(a.rectification_id or 0, 0), a.id))
    return [_photo_row(a, school, labels.get(a.rectification_id or 0, "")) for a in photos]


def local_date(moment: datetime | None) -> date | None:
    """The Asia/Shanghai date of a stored moment (naive ones are UTC); None when unknown."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()
