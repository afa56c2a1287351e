"""The 整改台账 (rectification ledger): one row per confirmed problem, as .xlsx or CSV.

The columns are those of the design note (checklist-student-aid.md §4), in Chinese whatever the
interface language, because the ledger is a formal document that goes to other offices.
Text that a spreadsheet would read as a formula is neutralised (``core.spreadsheets``).
"""

from __future__ import annotations

import contextlib
import io
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.styles import Border
from openpyxl.styles import Font
from openpyxl.styles import NamedStyle
from openpyxl.styles import PatternFill
from openpyxl.styles import Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import orm

from ..campaigns.models import Campaign
from ..checklists.models import ChecklistItem
from ..checklists.models import Severity
from ..core import downloads
from ..core.downloads import CSV_MIME as CSV_MIME
from ..core.downloads import XLSX_MIME as XLSX_MIME
from ..core.spreadsheets import neutralise
from ..db import LOCAL_TZ
from ..db import local_today
from ..db import utcnow
from ..extensions import db
from ..findings.models import Finding
from ..media.models import Attachment
from ..schools import regions
from ..schools.models import County
from ..schools.models import SchoolLevel
from .models import RECTIFICATION_STATUS_ZH
from .models import ExtensionRequest
from .models import ExtensionStatus
from .models import Rectification
from .models import RectificationStatus as S
from .services import NO_SECTION
from .services import RectFilter
from .services import rectification_query
from .services import scoped
from .services import urgent_first

if t.TYPE_CHECKING:
    from ..auth.models import User

COLUMNS = ("序号", "检查批次", "被检单位", "问题类别（对应清单编号）", "问题描述", "整改措施", "责任单位", "责任人",
           "整改时限", "整改进展", "完成情况/状态", "佐证材料", "复核人/复核意见", "销号日期", "问题编号")
# Column widths in characters, for a sheet that prints landscape on A4.
WIDTHS = (6, 22, 22, 20, 40, 40, 18, 10, 12, 32, 12, 24, 28, 12, 16)
# What ends a fragment of a progress cell; the cell puts its own separators between fragments.
FRAGMENT_END = "。；;，,、：: \t\r\n"
# Rectifications read at a time (with their evidence and extension requests, one query each).
CHUNK_SIZE = 500
OVERDUE_ZH = "逾期"
SHEET = "整改台账"


@dataclass
class Ledger:
    """A ledger: what it covers, and its rectifications in order, whose rows are read a chunk at a time."""

    ids: list[int]
    scope: list[tuple[str, str]]
    as_of: date

    def chunks(self, context: t.Callable[[], t.ContextManager[t.Any]] = contextlib.nullcontext,
               ) -> Iterator[list[list[t.Any]]]:
        """The rows, ``CHUNK_SIZE`` at a time.

        :param context: entered around the reading of each chunk, and left before it is handed on.
        """
        size = CHUNK_SIZE
        for start in range(0, len(self.ids), size):
            with context():
                rows = _rows(self.ids[start:start + size], first=start + 1, today=self.as_of)
            yield rows


def _category(finding: Finding) -> str:
    item = finding.item
    if item is None:
        return "其他"
    section = item.section
    if section is None:
        return f"其他（{item.name}）"
    label = section.label.get("zh") or section.display_label
    return f"{label}（{item.name}）"


def _progress(rect: Rectification, extensions: list[ExtensionRequest], n_evidence: int, today: date) -> str:
    parts: list[str] = []
    status = rect.status
    if status == S.NOT_STARTED:
        parts.append("尚未报送整改措施")
    elif status == S.IN_PROGRESS:
        parts.append("正在整改" + (f"，已上传佐证材料{n_evidence}件" if n_evidence else ""))
    elif status == S.PARTIAL:
        parts.append(_with_note("复核为部分整改", rect.verify_note))
    elif status == S.SUBMITTED:
        when = rect.submitted_at.astimezone(LOCAL_TZ).date().isoformat() if rect.submitted_at else ""
        parts.append(f"{when}报送整改结果，待复核".lstrip())
    elif status == S.RETURNED:
        parts.append(_with_note("退回重新整改", rect.return_reason))
    else:
        parts.append("整改到位，已销号")
    for request in extensions:
        if request.status == ExtensionStatus.APPROVED and request.granted_due_on:
            parts.append(f"经批准延期至{request.granted_due_on.isoformat()}（原时限{request.current_due_on.isoformat()}）")
        elif request.status == ExtensionStatus.PENDING:
            parts.append(f"申请延期至{request.proposed_due_on.isoformat()}，待审批")
    if rect.overdue_on(today):
        parts.append(f"已逾期{(today - rect.due_on).days}天")
    return join_fragments(parts)


def _fragment(text: str | None) -> str:
    """A piece of a cell without surrounding blanks or closing punctuation ("材料不全。" → "材料不全")."""
    return (text or "").strip().rstrip(FRAGMENT_END).strip()


def _with_note(label: str, note: str | None) -> str:
    """"label：note", or the label alone when the note says nothing."""
    note = _fragment(note)
    return f"{label}：{note}" if note else label


def join_fragments(parts: t.Iterable[str | None]) -> str:
    """Fragments joined with ；, never an empty one nor a doubled stop ("。；"): each is trimmed first."""
    return "；".join(fragment for fragment in map(_fragment, parts) if fragment)


def _review(rect: Rectification) -> str:
    if rect.verified_by is None:
        return ""
    name = rect.verified_by.display_name
    if rect.status == S.RETURNED:
        return f"{name}：退回，{rect.return_reason or ''}".rstrip("，")
    if rect.status == S.PARTIAL:
        return f"{name}：部分整改，{rect.verify_note or ''}".rstrip("，")
    if rect.status == S.CLOSED:
        return f"{name}：{rect.verify_note or '复核通过，同意销号'}"
    # Verified once (returned or partial), then worked on again: the last opinion still stands.
    note = rect.return_reason or rect.verify_note
    return f"{name}：{note}" if note else name


def build_ledger(viewer: User | None, filters: RectFilter, *, today: date | None = None) -> Ledger:
    """The ledger of the rectifications the viewer may see (None: all) that the filter selects.

    Only their ids are read here, in the order of the list on screen; the rows are read as they are written.
    """
    ids = list(db.session.scalars(scoped(viewer, filters, Rectification.id).order_by(*urgent_first())))
    return Ledger(ids=ids, scope=describe(viewer, filters), as_of=today or local_today())


def _rows(ids: list[int], *, first: int, today: date) -> list[list[t.Any]]:
    """The rows of the rectifications ``ids``, in that order, numbered from ``first``."""
    stmt = rectification_query(None).where(Rectification.id.in_(ids)).options(
        orm.contains_eager(Rectification.finding).joinedload(Finding.item).joinedload(ChecklistItem.section),
        orm.joinedload(Rectification.verified_by),
    )
    by_id = {rect.id: rect for rect in db.session.scalars(stmt).unique()}
    evidence: dict[int | None, list[str]] = {}
    for rect_id, name in db.session.execute(
        sa.select(Attachment.rectification_id, Attachment.original_name)
        .where(Attachment.rectification_id.in_(ids)).order_by(Attachment.id)
    ):
        evidence.setdefault(rect_id, []).append(name)
    extensions: dict[int, list[ExtensionRequest]] = {}
    for request in db.session.scalars(
        sa.select(ExtensionRequest).where(ExtensionRequest.rectification_id.in_(ids)).order_by(ExtensionRequest.id)
    ):
        extensions.setdefault(request.rectification_id, []).append(request)
    rows = []
    for number, rect in enumerate((by_id[i] for i in ids if i in by_id), start=first):
        finding = rect.finding
        files = evidence.get(rect.id, [])
        overdue = rect.overdue_on(today)
        rows.append([
            number,
            finding.campaign.name,
            finding.school.name,
            _category(finding),
            finding.description,
            rect.measures or "",
            rect.responsible_unit or "",
            rect.responsible_person or "",
            rect.due_on,
            _progress(rect, extensions.get(rect.id, []), len(files), today),
            OVERDUE_ZH if overdue else RECTIFICATION_STATUS_ZH[rect.status],
            f"{len(files)}件：" + "、".join(files) if files else "",
            _review(rect),
            rect.closed_on,
            finding.reference,
        ])
    return rows


def describe(viewer: User | None, filters: RectFilter) -> list[tuple[str, str]]:
    """What the ledger covers, in words, for its 说明 sheet."""
    lines: list[tuple[str, str]] = []
    if viewer is not None and viewer.county is not None:
        lines.append(("范围", viewer.county.name))
    else:
        lines.append(("范围", regions.issuer(regions.city_of(viewer)).region))
    if filters.campaign_id:
        campaign = db.session.get(Campaign, filters.campaign_id)
        lines.append(("检查批次", f"{campaign.code} {campaign.name}" if campaign else str(filters.campaign_id)))
    if filters.county_id:
        county = db.session.get(County, filters.county_id)
        lines.append(("区县", county.name if county else str(filters.county_id)))
    if filters.level:
        lines.append(("学段", SchoolLevel(filters.level).zh))
    if filters.section:
        lines.append(("检查项目类别", "其他" if filters.section == NO_SECTION else filters.section))
    if filters.severity:
        lines.append(("严重程度", Severity(filters.severity).zh))
    if filters.status:
        lines.append(("状态", RECTIFICATION_STATUS_ZH[filters.status]))
    if filters.overdue:
        lines.append(("仅含", OVERDUE_ZH))
    if filters.due_within is not None:
        lines.append(("仅含", f"{filters.due_within}天内到期"))
    if filters.open_only:
        lines.append(("仅含", "未销号"))
    if filters.extension_pending:
        lines.append(("仅含", "延期申请待审批"))
    return lines


def _cell(value: t.Any) -> t.Any:
    return neutralise(value)


def _styled(sheet: t.Any, value: t.Any, **style: t.Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def write_xlsx(ledger: Ledger, out: t.IO[bytes], *, title: str, creator: str = "") -> int:
    """Write the ledger to ``out`` as an .xlsx workbook, a chunk of rows at a time (openpyxl's write-only
    mode): the 整改台账 sheet, and a 说明 sheet saying what it covers. Returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    thin = Side(style="thin", color="A0A7B4")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    # Named styles: one lookup per cell instead of one per attribute, which counts at thousands of rows.
    wrap = Alignment(vertical="top", wrap_text=True)
    workbook.add_named_style(NamedStyle(name="ledger", alignment=wrap, border=border))
    workbook.add_named_style(NamedStyle(name="ledger-date", alignment=wrap, border=border,
                                        number_format="yyyy-mm-dd"))
    # A write-only sheet writes its widths, panes and properties before its first row.
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    head = dict(font=Font(bold=True), fill=PatternFill("solid", fgColor="E8EFF9"), border=border,
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    sheet.append([_styled(sheet, name, **head) for name in COLUMNS])
    count = 0
    for rows in ledger.chunks():
        for row in rows:
            sheet.append([_styled(sheet, _cell(value), style="ledger-date" if isinstance(value, (date, datetime))
                                  else "ledger") for value in row])
        count += len(rows)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"

    notes = workbook.create_sheet("说明")
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 80
    notes.append([_styled(notes, _cell(title), font=Font(bold=True, size=14))])
    lines: list[tuple[str, t.Any]] = [(label, _cell(value)) for label, value in ledger.scope]
    lines += [
        ("截至", ledger.as_of),
        ("导出时间", utcnow().astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")),
        ("问题条数", count),
        ("说明", "“完成情况/状态”为“逾期”的，未销号且已过整改时限（按北京时间计算）；其所处环节见“整改进展”。"),
    ]
    for label, value in lines:
        notes.append([label, _styled(notes, value, number_format="yyyy-mm-dd") if isinstance(value, date)
                      else value])
    workbook.properties.title = title
    workbook.properties.creator = creator or regions.home_city().org_name
    workbook.save(out)
    return count


def csv_lines(ledger: Ledger, context: t.Callable[[], t.ContextManager[t.Any]] = contextlib.nullcontext,
              ) -> Iterator[str]:
    """The ledger as CSV text in UTF-8 with a byte-order mark (which Excel needs to read Chinese correctly),
    a chunk of rows at a time; dates as 2026-09-01."""
    chunks = (([v.isoformat() if isinstance(v, date) else v for v in row] for row in rows)
              for rows in ledger.chunks(context))
    return downloads.csv_text(COLUMNS, chunks)


def ledger_title(filters: RectFilter, viewer: User | None = None) -> str:
    """关于一个检查批次的台账, or the viewer's region's (the city's, the province's)."""
    campaign = db.session.get(Campaign, filters.campaign_id) if filters.campaign_id else None
    if campaign is not None:
        return f"{campaign.name}整改台账"
    region = viewer.county.name if viewer is not None and viewer.county is not None else \
        regions.issuer(regions.city_of(viewer)).region
    return f"{region}整改台账"


def filename(filters: RectFilter, suffix: str, *, today: date | None = None) -> str:
    campaign = db.session.get(Campaign, filters.campaign_id) if filters.campaign_id else None
    return f"整改台账-{campaign.code if campaign else '全部'}-{(today or local_today()).isoformat()}.{suffix}"


def campaign_ledger_xlsx(campaign: Campaign) -> tuple[str, bytes]:
    """The whole ledger of one campaign as .xlsx: (file name, contents). For ``reports build ledger``."""
    filters = RectFilter(campaign_id=campaign.id)
    buffer = io.BytesIO()
    write_xlsx(build_ledger(None, filters), buffer, title=ledger_title(filters))
    return filename(filters, "xlsx"), buffer.getvalue()
