"""The school's 公示 notice (GB/T 9704) and its 资助明白卡 (one card per recipient) as Word documents.

Both are written from a :class:`~.models.PublicNotice`'s snapshot of the rows, so they list what was
published — name, grade, 学段, programme, tier and amount — and never an ID number, address or family
circumstances, which the notice does not hold.
"""

from __future__ import annotations

import io
import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from decimal import Decimal

from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.oxml import OxmlElement
from docx.shared import Twips

from ..core import documents as gb
from ..funds.programmes import Programme
from ..funds.standards import StandardsTable
from .services import working_days

if t.TYPE_CHECKING:
    from docx.document import Document

    from .models import PublicNotice

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ATTACHMENT = "受助学生名单"
LIST_HEADER = ("序号", "姓名", "年级（班级）", "学段", "资助项目", "档次", "金额（元）")
# Millimetres for 小四 text; the 0 column takes the rest of the 156 mm type area.
LIST_WIDTHS_MM = (11.0, 22.0, 24.0, 14.0, 0.0, 14.0, 22.0)
LIST_ALIGNS = ("center", "center", "center", "center", "left", "center", "right")
TIER_ZH = {1: "一档", 2: "二档", 3: "三档"}
# Cards: two across, three down, cut along the dashed borders.
CARDS_ACROSS = 2
CARD_HEIGHT = 4200  # twips (74 mm): three rows of cards fit the type area's 225 mm


@dataclass(frozen=True)
class Settings:
    """What the documents take from the configuration."""

    org_name: str
    helpline: str


def notice_title(notice: PublicNotice) -> str:
    return f"{notice.school.name}{notice.term.long_zh}学生资助受助学生名单公示"


def filename(notice: PublicNotice, kind: str) -> str:
    what = "资助明白卡" if kind == "cards" else "公示"
    return f"{notice.school.name}{notice.semester}{what}.docx"


def _widths(millimetres: t.Iterable[float]) -> list[int]:
    widths = [round(mm * 1440 / 25.4) for mm in millimetres]
    widths[widths.index(0)] = gb.TEXT_WIDTH - sum(widths)
    return widths


def tier_text(tier: int | None) -> str:
    return TIER_ZH.get(tier, f"{tier}档") if tier else "—"


def _programmes(notice: PublicNotice) -> str:
    names = list(dict.fromkeys(row["programme"] for row in notice.rows if row.get("programme")))
    return "、".join(names) or "学生资助"


def _total(notice: PublicNotice) -> Decimal:
    return sum((Decimal(row["amount"]) for row in notice.rows if row.get("amount")), Decimal(0))


def _finish(document: Document, title: str, author: str, dated: date) -> bytes:
    props = document.core_properties
    props.title = title
    props.author = props.last_modified_by = author
    props.created = props.modified = datetime.combine(dated, time())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_notice(notice: PublicNotice) -> bytes:
    """The 公示 on a blank 公文 document: the text, the 公示期, where to object, and the list as an attachment."""
    document = gb.build_base_template()
    gb.clear_body(document)
    gb.ensure_styles(document)
    school = notice.school.name
    title = notice_title(notice)
    gb.add_title(document, title)
    gb.add_blank_lines(document)
    gb.add_body(document, (
        f"根据国家学生资助政策有关规定，按照公平、公正、公开的原则，经学生本人（监护人）申请、班级民主评议、"
        f"学校学生资助工作领导小组审核，{notice.term.long_zh}我校拟资助学生{notice.row_count}名，"
        f"资助金额共计{_money(_total(notice))}元，涉及{_programmes(notice)}。现将受助学生名单予以公示（见附件）。"))
    gb.add_heading(document, "一、公示时间", 1)
    days = working_days(notice.starts_on, notice.ends_on)
    gb.add_body(document, f"{gb.zh_date(notice.starts_on)}至{gb.zh_date(notice.ends_on)}（共{days}个工作日）。")
    gb.add_heading(document, "二、异议受理", 1)
    gb.add_body(document, (
        "公示期间，如对公示名单有异议，可以书面或电话形式向学校学生资助工作领导小组反映。"
        "反映情况应实事求是，以个人名义反映的请提供真实姓名和联系方式，学校将对反映人信息严格保密，"
        "并在核实后及时答复。"))
    gb.add_body(document, f"联系人：{notice.contact_name}")
    gb.add_body(document, f"联系电话：{notice.contact_phone}")
    gb.add_heading(document, "三、其他事项", 1)
    gb.add_body(document, "本公示不含学生身份证件号码、家庭住址、家庭经济状况等个人隐私信息。")
    gb.add_blank_lines(document)
    gb.add_attachment_note(document, [ATTACHMENT])
    gb.add_signature(document, school, notice.starts_on)

    gb.add_attachment_heading(document, ATTACHMENT)
    rows = [[str(i), row["name"], row.get("grade") or "—", row.get("level") or "—", row.get("programme") or "—",
             tier_text(row.get("tier")), _money(Decimal(row["amount"])) if row.get("amount") else "—"]
            for i, row in enumerate(notice.rows, start=1)]
    gb.add_table(document, LIST_HEADER, rows, _widths(LIST_WIDTHS_MM), aligns=LIST_ALIGNS, size=gb.SIZE_XIAO4)
    return _finish(document, title, school, notice.starts_on)


def _money(amount: Decimal) -> str:
    text = f"{amount:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def standard_text(standards: StandardsTable, notice: PublicNotice, row: dict[str, t.Any]) -> str:
    """The standard in force for the row's programme and the notice's term: its tier's amount, or every tier."""
    try:
        programme = next(p for p in Programme if p.zh == row.get("programme"))
    except StopIteration:
        return "—"
    tiers = standards.tiers(programme, notice.term)
    if not tiers:
        return "—"
    tier = row.get("tier")
    chosen = [s for s in tiers if s.tier == tier] if tier else []
    if chosen:
        return f"{tier_text(tier)}每生每学期{_money(chosen[0].amount)}元"
    if len(tiers) == 1:
        return f"每生每学期{_money(tiers[0].amount)}元"
    return "每生每学期" + "、".join(f"{tier_text(s.tier)}{_money(s.amount)}元" for s in tiers)


def card_lines(notice: PublicNotice, row: dict[str, t.Any], standards: StandardsTable,
               settings: Settings) -> list[tuple[str, str]]:
    """The lines of one recipient's card, label and value."""
    paid = gb.zh_date(notice.payment_date) if notice.payment_date else f"{notice.term.long_zh}内（以学校通知为准）"
    return [
        ("学　　校", notice.school.name),
        ("姓　　名", row["name"]),
        ("年　　级", " ".join(x for x in (row.get("level"), row.get("grade")) if x) or "—"),
        ("资助项目", row.get("programme") or "—"),
        ("资助标准", standard_text(standards, notice, row)),
        ("发放金额", f"{_money(Decimal(row['amount']))}元" if row.get("amount") else "—"),
        ("发放时间", paid),
        ("学校电话", f"{notice.contact_phone}（{notice.contact_name}）"),
        ("监督电话", settings.helpline),
    ]


def render_cards(notice: PublicNotice, standards: StandardsTable, settings: Settings) -> bytes:
    """资助明白卡: one card per recipient, six to an A4 page, for the school to print, cut and hand out."""
    document = gb.new_document()
    width = gb.TEXT_WIDTH // CARDS_ACROSS
    table = gb.add_layout_table(document, [width] * CARDS_ACROSS)
    cards = list(notice.rows)
    for start in range(0, len(cards), CARDS_ACROSS):
        row = table.add_row()
        row.height = Twips(CARD_HEIGHT)
        row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
        gb.cant_split_row(row)
        for offset, cell in enumerate(row.cells):
            _card_borders(cell, width)
            if start + offset < len(cards):
                _fill_card(cell, card_lines(notice, cards[start + offset], standards, settings))
    title = f"{notice.school.name}{notice.term.long_zh}学生资助明白卡"
    return _finish(document, title, notice.school.name, notice.starts_on)


def _card_borders(cell: t.Any, width: int) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    gb.set_attrs(gb.child(tcpr, "w:tcW"), w=width, type="dxa")
    borders = gb.child(tcpr, "w:tcBorders")
    for edge in ("top", "left", "bottom", "right"):
        borders.append(gb.set_attrs(OxmlElement(f"w:{edge}"), val="dashed", sz=4, space=0, color="auto"))
    margins = gb.child(tcpr, "w:tcMar")
    for edge in ("top", "left", "bottom", "right"):
        margins.append(gb.set_attrs(OxmlElement(f"w:{edge}"), w=113 if edge in ("top", "bottom") else 170,
                                    type="dxa"))


def _fill_card(cell: t.Any, lines: list[tuple[str, str]]) -> None:
    heading = cell.paragraphs[0]
    # Off the 22-line grid: a card sets its own, tighter lines.
    gb.format_paragraph(heading, align=gb.CENTER, line=400, snap_to_grid=False)
    gb.add_run(heading, "学生资助明白卡", gb.HEITI, size=gb.SIZE_4HAO, tracking=None)
    for label, value in lines:
        paragraph = cell.add_paragraph()
        gb.format_paragraph(paragraph, align=gb.LEFT, line=340, snap_to_grid=False)
        gb.add_run(paragraph, f"{label}：", gb.HEITI, size=gb.SIZE_XIAO4 - 3, tracking=None)
        gb.add_run(paragraph, value, gb.FANGSONG, size=gb.SIZE_XIAO4 - 3, tracking=None)
