"""The parts of a 公文 body: runs, paragraph layout, title, headings, signature, attachments, red header."""

from __future__ import annotations

import typing as t
from collections.abc import Sequence
from datetime import date

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.shared import Twips
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .layout import CENTER
from .layout import CHAR
from .layout import FANGSONG
from .layout import HEADING_FONTS
from .layout import HEITI
from .layout import ISSUER_OFFSET
from .layout import KAITI
from .layout import LATIN
from .layout import LEFT
from .layout import LINE_PITCH
from .layout import RED
from .layout import RULE_GAP
from .layout import SIZE_2HAO
from .layout import SIZE_3HAO
from .layout import STYLE_ATTACHMENT_LABEL
from .layout import STYLE_ATTACHMENT_NOTE
from .layout import STYLE_BODY
from .layout import STYLE_DATE
from .layout import STYLE_HEADING
from .layout import STYLE_RECIPIENT
from .layout import STYLE_SIGNATURE
from .layout import STYLE_TITLE
from .layout import TEXT_WIDTH
from .layout import TRACKING
from .layout import XIAOBIAOSONG
from .layout import StyleSpec
from .oxml import child
from .oxml import format_rpr
from .oxml import keep_punctuation_inside
from .oxml import set_attrs
from .text import clean_text
from .text import split_title
from .text import text_width
from .text import zh_date

_TRAILING_PUNCT = "。，；、：.,;:"


def add_run(
    paragraph: Paragraph,
    text: str,
    east_asia: str = FANGSONG,
    *,
    latin: str = LATIN,
    size: int = SIZE_3HAO,
    bold: bool = False,
    tracking: int | None = TRACKING,
    color: str | None = None,
) -> Run:
    """Append a run with its East Asian and Latin fonts set explicitly."""
    run = paragraph.add_run(clean_text(text))
    format_rpr(
        run._r.get_or_add_rPr(), east_asia, latin=latin, size=size, bold=bold, tracking=tracking, color=color
    )
    return run


def format_paragraph(
    paragraph: Paragraph,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    first_line: int = 0,
    left: int = 0,
    right: int = 0,
    hanging: int = 0,
    line: int | None = LINE_PITCH,
    keep_next: bool | None = None,
    page_break_before: bool | None = None,
    outline: int | None = None,
    snap_to_grid: bool | None = None,
) -> Paragraph:
    """Exact line spacing, indents (twips), alignment and pagination; punctuation never hangs."""
    fmt = paragraph.paragraph_format
    fmt.space_before = Twips(0)
    fmt.space_after = Twips(0)
    if line is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing = Twips(line)
    fmt.left_indent = Twips(left)
    fmt.right_indent = Twips(right)
    fmt.first_line_indent = Twips(-hanging if hanging else first_line)
    if align is not None:
        fmt.alignment = align
    if keep_next is not None:
        fmt.keep_with_next = keep_next
    if page_break_before is not None:
        fmt.page_break_before = page_break_before
    ppr = paragraph._p.get_or_add_pPr()
    keep_punctuation_inside(ppr)
    if snap_to_grid is not None:
        set_attrs(child(ppr, "w:snapToGrid"), val=int(snap_to_grid))
    if outline is not None:
        set_attrs(child(ppr, "w:outlineLvl"), val=outline)
    return paragraph


def use_style(document: Document, paragraph: Paragraph, spec: StyleSpec) -> Paragraph:
    """Give a paragraph the template's 公文 style when the template defines it."""
    styles = document.styles
    if spec.name in styles:
        paragraph.style = styles[spec.name]
    return paragraph


def _styled_paragraph(document: Document, spec: StyleSpec, **layout: t.Any) -> Paragraph:
    """A new body paragraph with a 公文 style and the style's layout set directly as well."""
    paragraph = use_style(document, document.add_paragraph(), spec)
    params: dict[str, t.Any] = {
        "align": spec.align,
        "first_line": spec.first_line,
        "left": spec.left,
        "right": spec.right,
        "keep_next": spec.keep_next or None,
        "outline": spec.outline,
        "snap_to_grid": False if spec.size > SIZE_3HAO else None,
    }
    params.update(layout)
    return format_paragraph(paragraph, **params)


def add_blank_lines(document: Document, count: int = 1) -> None:
    """Empty lines of one grid pitch each, as 公文 count 空一行 / 空二行."""
    for _ in range(count):
        format_paragraph(use_style(document, document.add_paragraph(), STYLE_BODY), first_line=0)


def add_title(document: Document, title: str | Sequence[str]) -> Paragraph:
    """The 标题 in 2号方正小标宋简体, centred, long titles broken into balanced lines."""
    lines = split_title(title) if isinstance(title, str) else list(title)
    paragraph = _styled_paragraph(document, STYLE_TITLE)
    for i, line in enumerate(lines):
        run = add_run(paragraph, line, XIAOBIAOSONG, size=SIZE_2HAO, tracking=None)
        if i < len(lines) - 1:
            run.add_break()
    return paragraph


def add_recipient(document: Document, name: str) -> Paragraph:
    """The 主送机关 line, flush left, ending with a full-width colon."""
    paragraph = _styled_paragraph(document, STYLE_RECIPIENT)
    add_run(paragraph, name if name.endswith("：") else f"{name}：")
    return paragraph


def add_body(document: Document, text: str) -> Paragraph:
    """A body paragraph in 3号仿宋, first line indented two characters."""
    paragraph = _styled_paragraph(document, STYLE_BODY)
    add_run(paragraph, text)
    return paragraph


def add_heading(document: Document, text: str, level: int, body: str | None = None) -> Paragraph:
    """A 一、(黑体) / （一）(楷体) / 1.(仿宋) / （1）(仿宋) heading, optionally run in with body text."""
    spec = STYLE_HEADING[level]
    paragraph = _styled_paragraph(document, spec, keep_next=spec.keep_next and body is None)
    add_run(paragraph, text, HEADING_FONTS[level])
    if body:
        add_run(paragraph, body)
    return paragraph


def char_twips(text: str, tracking: int = TRACKING) -> int:
    """Width of a 3号 text in twips, counting the run tracking."""
    return round(text_width(text) * CHAR) + tracking * len(text)


def add_attachment_note(document: Document, names: Sequence[str]) -> list[Paragraph]:
    """附件说明: 附件：name, or numbered 附件：1.XXX lines aligned under the first, no end punctuation."""
    label = "附件："
    label_width = char_twips(label)
    paragraphs = []
    numbered = len(names) > 1
    for i, raw in enumerate(names, start=1):
        name = raw.strip().rstrip(_TRAILING_PUNCT)
        number = f"{i}." if numbered else ""
        number_width = char_twips(number)
        first = f"{label if i == 1 else ''}{number}"
        hanging = (label_width if i == 1 else 0) + number_width
        paragraph = _styled_paragraph(
            document, STYLE_ATTACHMENT_NOTE, left=2 * CHAR + label_width + number_width, hanging=hanging
        )
        add_run(paragraph, first + name)
        paragraphs.append(paragraph)
    return paragraphs


def add_signature(
    document: Document, issuer: str, signed_on: date, *, sealed: bool = True, blank_lines: int = 2
) -> tuple[Paragraph, Paragraph]:
    """署名 and 成文日期: sealed, the date right-indented 4 characters with the name centred over it."""
    add_blank_lines(document, blank_lines)
    when = zh_date(signed_on)
    name_width, date_width = char_twips(issuer), char_twips(when)
    if sealed:
        date_right = 4 * CHAR
        name_right = max(0, date_right + (date_width - name_width) // 2)
    else:
        name_right = 2 * CHAR
        date_right = name_right + name_width - 2 * CHAR - date_width
        if date_right < 2 * CHAR:
            name_right += 2 * CHAR - date_right
            date_right = 2 * CHAR
    name = _styled_paragraph(document, STYLE_SIGNATURE, right=name_right, keep_next=True)
    add_run(name, issuer)
    dated = _styled_paragraph(document, STYLE_DATE, right=date_right)
    add_run(dated, when)
    return name, dated


def add_attachment_heading(
    document: Document, title: str, number: int | None = None, *, label_text: str | None = None
) -> Paragraph:
    """A new page with 附件N in 黑体 on line 1 and the attachment title centred on line 3."""
    label = _styled_paragraph(document, STYLE_ATTACHMENT_LABEL, page_break_before=True)
    add_run(label, label_text or ("附件" if number is None else f"附件{number}"), HEITI)
    add_blank_lines(document)
    heading = add_title(document, title)
    add_blank_lines(document)
    return heading


def add_red_header(
    document: Document,
    issuer: str,
    doc_number: str | None = None,
    signer: str | None = None,
    *,
    size: int | None = None,
) -> None:
    """Red 发文机关标志 35 mm below the type-area top, 发文字号 (and 签发人) and the red rule."""
    size = size or min(84, 2 * (TEXT_WIDTH // 20) // max(1, round(text_width(issuer))))
    mark = document.add_paragraph()
    format_paragraph(mark, align=CENTER, line=None, snap_to_grid=False)
    set_attrs(
        child(mark._p.get_or_add_pPr(), "w:framePr"),
        w=TEXT_WIDTH, wrap="notBeside", vAnchor="margin", hAnchor="margin", xAlign="center", y=ISSUER_OFFSET,
    )
    add_run(mark, issuer, XIAOBIAOSONG, latin=XIAOBIAOSONG, size=size, tracking=None, color=RED)
    add_blank_lines(document, ISSUER_OFFSET // LINE_PITCH + 1)
    number = _styled_paragraph(document, STYLE_RECIPIENT, align=LEFT if signer else CENTER)
    if signer:
        format_paragraph(number, align=LEFT, left=CHAR)
        tabs = child(number._p.get_or_add_pPr(), "w:tabs")
        tabs.append(set_attrs(OxmlElement("w:tab"), val="right", pos=TEXT_WIDTH - CHAR))
    add_run(number, doc_number or "", tracking=None)
    if signer:
        add_run(number, "\t签发人：", tracking=None)
        add_run(number, signer, KAITI, tracking=None)
    rule = format_paragraph(document.add_paragraph(), line=RULE_GAP, snap_to_grid=False)
    borders = child(rule._p.get_or_add_pPr(), "w:pBdr")
    borders.append(set_attrs(OxmlElement("w:bottom"), val="single", sz=12, space=0, color=RED))
    add_blank_lines(document, 2)
