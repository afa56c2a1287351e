"""GB/T 9704-2012 公文 layout on python-docx: page setup, fonts, styles, page numbers, paragraph helpers."""

from __future__ import annotations

import copy
import dataclasses
import re
import typing as t
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.enum.text import WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.section import _Footer
from docx.shared import Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
XIAOBIAOSONG = "方正小标宋简体"
LATIN = "Times New Roman"

# Lengths are in twips (1/20 pt) and font sizes in half-points, as the .docx stores them.
SIZE_2HAO = 44
SIZE_3HAO = 32
SIZE_4HAO = 28
SIZE_XIAO4 = 24

PAGE_WIDTH = 11906
PAGE_HEIGHT = 16838
MARGIN_TOP = 2098
MARGIN_BOTTOM = 1984
MARGIN_LEFT = 1587
MARGIN_RIGHT = 1474
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
HEADER_DISTANCE = 851
FOOTER_DISTANCE = 1417
LINE_PITCH = 579
CHAR = 320
TRACKING = -5
ISSUER_OFFSET = 1984
RULE_GAP = 113
RED = "FF0000"

LEFT = WD_ALIGN_PARAGRAPH.LEFT
CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

HEADING_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}
TITLE_BREAK_AFTER = ("年", "年度", "学期", "季度", "工作", "检查", "督查", "督导", "情况")

_ZH_DIGITS = "零一二三四五六七八九"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TRAILING_PUNCT = "。，；、：.,;:"


@dataclass(frozen=True)
class StyleSpec:
    """A 公文 paragraph style: its id, display name, fonts and paragraph layout."""

    style_id: str
    name: str
    east_asia: str = FANGSONG
    size: int = SIZE_3HAO
    align: WD_ALIGN_PARAGRAPH | None = None
    first_line: int = 0
    left: int = 0
    right: int = 0
    outline: int | None = None
    keep_next: bool = False


STYLE_TITLE = StyleSpec("GwTitle", "公文标题", XIAOBIAOSONG, SIZE_2HAO, CENTER)
STYLE_RECIPIENT = StyleSpec("GwRecipient", "主送机关", align=JUSTIFY)
STYLE_BODY = StyleSpec("GwBody", "公文正文", align=JUSTIFY, first_line=2 * CHAR)
STYLE_HEADING = {
    1: dataclasses.replace(STYLE_BODY, style_id="GwHeading1", name="一级标题", east_asia=HEITI, outline=0,
                           keep_next=True),
    2: dataclasses.replace(STYLE_BODY, style_id="GwHeading2", name="二级标题", east_asia=KAITI, outline=1,
                           keep_next=True),
    3: dataclasses.replace(STYLE_BODY, style_id="GwHeading3", name="三级标题", outline=2),
    4: dataclasses.replace(STYLE_BODY, style_id="GwHeading4", name="四级标题", outline=3),
}
STYLE_ATTACHMENT_NOTE = StyleSpec("GwAttachmentNote", "附件说明", align=LEFT)
STYLE_SIGNATURE = StyleSpec("GwSignature", "发文机关署名", align=RIGHT)
STYLE_DATE = StyleSpec("GwDate", "成文日期", align=RIGHT, right=4 * CHAR)
STYLE_ATTACHMENT_LABEL = StyleSpec("GwAttachmentLabel", "附件标识", HEITI, align=LEFT)
STYLE_TABLE = StyleSpec("GwTable", "表格文字", size=SIZE_4HAO, align=CENTER)
STYLE_SPECS = (
    STYLE_TITLE,
    STYLE_RECIPIENT,
    STYLE_BODY,
    *STYLE_HEADING.values(),
    STYLE_ATTACHMENT_NOTE,
    STYLE_SIGNATURE,
    STYLE_DATE,
    STYLE_ATTACHMENT_LABEL,
    STYLE_TABLE,
)
KEPT_STYLE_IDS = frozenset(
    {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid", "Header", "Footer"}
    | {spec.style_id for spec in STYLE_SPECS}
)


def zh_date(d: date) -> str:
    """A date as 公文 write it: 2026年11月7日, full year, no zero padding."""
    return f"{d.year}年{d.month}月{d.day}日"


def zh_date_range(start: date, end: date) -> str:
    """A period such as 2026年10月8日至10月31日, repeating the year only when it changes."""
    if start == end:
        return zh_date(start)
    if start.year == end.year:
        return f"{zh_date(start)}至{end.month}月{end.day}日"
    return f"{zh_date(start)}至{zh_date(end)}"


def zh_numeral(n: int) -> str:
    """Chinese numerals for 1–99, as used in 一、 and （一） headings."""
    if not 0 < n < 100:
        raise ValueError(f"heading number out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _ZH_DIGITS[tens] + "十"
    return head + (_ZH_DIGITS[ones] if ones else "")


def text_width(text: str) -> float:
    """Width of a text in 3号 characters: CJK and full-width signs 1, ASCII letters and digits 0.5."""
    return sum(0.5 if ord(ch) < 0x2000 else 1.0 for ch in text)


def clean_text(text: str) -> str:
    """A text with characters that XML cannot hold removed."""
    return _CONTROL_CHARS.sub("", text)


def split_title(
    text: str, max_chars: float = 20.0, break_after: Sequence[str] = TITLE_BREAK_AFTER
) -> list[str]:
    """Break a long title into two balanced lines at a word boundary; one line when it fits or none fits."""
    if text_width(text) <= max_chars:
        return [text]
    best: tuple[float, int] | None = None
    for token in break_after:
        for match in re.finditer(re.escape(token), text):
            cut = match.end()
            head, tail = text[:cut], text[cut:]
            if not tail or tail[0] in "，。、；：）》":
                continue
            widest = max(text_width(head), text_width(tail))
            if widest <= max_chars and (best is None or widest < best[0]):
                best = (widest, cut)
    if best is None:
        return [text]
    return [text[: best[1]], text[best[1] :]]


SCHEMA_ORDER: dict[str, tuple[str, ...]] = {
    "w:pPr": (
        "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
        "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
        "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
        "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
        "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
        "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
        "w:sectPr", "w:pPrChange",
    ),
    "w:rPr": (
        "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
        "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
        "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
        "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
        "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
    ),
    "w:sectPr": (
        "w:headerReference", "w:footerReference", "w:footnotePr", "w:endnotePr", "w:type", "w:pgSz",
        "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType", "w:cols", "w:formProt",
        "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid",
        "w:printerSettings", "w:sectPrChange",
    ),
    "w:tblPr": (
        "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
        "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
        "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
        "w:tblPrChange",
    ),
    "w:trPr": (
        "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit",
        "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del",
        "w:trPrChange",
    ),
    "w:tcPr": (
        "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd", "w:noWrap",
        "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers", "w:cellIns",
        "w:cellDel", "w:cellMerge", "w:tcPrChange",
    ),
    "w:tc": ("w:tcPr",),
    "w:p": ("w:pPr",),
    "w:r": ("w:rPr",),
    "w:tr": ("w:tblPrEx", "w:trPr"),
}
_ORDER_INDEX = {qn(tag): {qn(t): i for i, t in enumerate(seq)} for tag, seq in SCHEMA_ORDER.items()}


def child(parent: BaseOxmlElement, tag: str) -> BaseOxmlElement:
    """The parent's child with this tag, inserted in schema order when missing."""
    name = qn(tag)
    found = parent.find(name)
    if found is not None:
        return found
    element = OxmlElement(tag)
    order = _ORDER_INDEX.get(parent.tag)
    if order is None or name not in order:
        parent.append(element)
        return element
    rank = order[name]
    for position, sibling in enumerate(parent):
        if order.get(sibling.tag, len(order)) > rank:
            parent.insert(position, element)
            return element
    parent.append(element)
    return element


def set_attrs(element: BaseOxmlElement, **attrs: str | int) -> BaseOxmlElement:
    """Set w: attributes on an element and return it."""
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), str(value))
    return element


def strip_theme_fonts(rfonts: BaseOxmlElement) -> None:
    """Remove the *Theme attributes of an rFonts element, which override explicit font names."""
    for key in list(rfonts.attrib):
        if key.lower().endswith("theme"):
            del rfonts.attrib[key]


def format_rpr(
    rpr: BaseOxmlElement,
    east_asia: str = FANGSONG,
    *,
    latin: str = LATIN,
    size: int = SIZE_3HAO,
    bold: bool = False,
    tracking: int | None = None,
    color: str | None = None,
) -> BaseOxmlElement:
    """Set fonts (eastAsia and ascii/hAnsi/cs), size, weight, tracking and colour on an rPr element."""
    fonts = child(rpr, "w:rFonts")
    strip_theme_fonts(fonts)
    set_attrs(fonts, ascii=latin, hAnsi=latin, eastAsia=east_asia, cs=latin, hint="eastAsia")
    if bold:
        child(rpr, "w:b")
    if color is not None:
        set_attrs(child(rpr, "w:color"), val=color)
    if tracking is not None:
        set_attrs(child(rpr, "w:spacing"), val=tracking)
    set_attrs(child(rpr, "w:sz"), val=size)
    set_attrs(child(rpr, "w:szCs"), val=size)
    return rpr


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


def keep_punctuation_inside(ppr: BaseOxmlElement) -> None:
    """Keep line-end punctuation inside the type area when LibreOffice renders the document."""
    # LibreOffice's DOCX import reads w:overflowPunct inverted: val=1 switches its hanging punctuation off.
    # Word reads val=1 as its own default, so Word output is unchanged.
    set_attrs(child(ppr, "w:overflowPunct"), val=1)


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


def apply_page_setup(section: Section) -> None:
    """A4 portrait, 37/35/28/26 mm margins, 25 mm footer distance and a 22-line grid."""
    section.page_width = Twips(PAGE_WIDTH)
    section.page_height = Twips(PAGE_HEIGHT)
    section.top_margin = Twips(MARGIN_TOP)
    section.bottom_margin = Twips(MARGIN_BOTTOM)
    section.left_margin = Twips(MARGIN_LEFT)
    section.right_margin = Twips(MARGIN_RIGHT)
    section.header_distance = Twips(HEADER_DISTANCE)
    section.footer_distance = Twips(FOOTER_DISTANCE)
    section.gutter = Twips(0)
    set_doc_grid(section)


def set_doc_grid(section: Section, pitch: int = LINE_PITCH) -> None:
    """A line grid (docGrid type=lines) with the given pitch; never linesAndChars."""
    grid = child(section._sectPr, "w:docGrid")
    grid.attrib.pop(qn("w:charSpace"), None)
    set_attrs(grid, type="lines", linePitch=pitch)


def apply_default_fonts(document: Document) -> None:
    """docDefaults and Normal in 3号 仿宋_GB2312 / Times New Roman, exact 579 spacing, no theme fonts."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    for item in list(defaults):
        defaults.remove(item)
    rpr = OxmlElement("w:rPr")
    format_rpr(rpr)
    set_attrs(child(rpr, "w:lang"), val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    defaults.append(OxmlElement("w:rPrDefault"))
    defaults[0].append(rpr)
    ppr_default = OxmlElement("w:pPrDefault")
    ppr = OxmlElement("w:pPr")
    set_attrs(child(ppr, "w:spacing"), after=0, line=240, lineRule="auto")
    ppr_default.append(ppr)
    defaults.append(ppr_default)

    normal = document.styles["Normal"]
    format_rpr(normal.element.get_or_add_rPr())
    set_attrs(child(normal.element.get_or_add_rPr(), "w:lang"), val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    fmt = normal.paragraph_format
    fmt.space_before = Twips(0)
    fmt.space_after = Twips(0)
    fmt.line_spacing = Twips(LINE_PITCH)
    fmt.widow_control = False
    fmt.alignment = JUSTIFY
    keep_punctuation_inside(normal.element.get_or_add_pPr())
    for rfonts in styles.iter(qn("w:rFonts")):
        strip_theme_fonts(rfonts)
    lang = document.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        set_attrs(lang, val="en-US", eastAsia="zh-CN")


def prune_styles(document: Document, keep: Iterable[str] = KEPT_STYLE_IDS) -> None:
    """Drop the default template's styles (theme fonts, colours) except the ones a 公文 uses."""
    kept = set(keep)
    styles = document.styles.element
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in kept:
            styles.remove(style)
    for style in styles.findall(qn("w:style")):
        for link in style.findall(qn("w:link")):
            style.remove(link)
        ppr = style.find(qn("w:pPr"))
        if ppr is not None:
            for tabs in ppr.findall(qn("w:tabs")):
                ppr.remove(tabs)
        for color in style.iter(qn("w:color")):
            color.getparent().remove(color)


def ensure_styles(document: Document, specs: Iterable[StyleSpec] = STYLE_SPECS) -> None:
    """Add the 公文 paragraph styles a document lacks; existing ones are left as the template has them."""
    styles = document.styles
    for spec in specs:
        if spec.name in styles:
            continue
        style = t.cast(ParagraphStyle, styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH))
        style.style_id = spec.style_id
        style.base_style = styles["Normal"]
        style.quick_style = True
        rpr = style.element.get_or_add_rPr()
        format_rpr(rpr, spec.east_asia, size=spec.size, tracking=_tracking(spec.size))
        fmt = style.paragraph_format
        fmt.line_spacing = Twips(LINE_PITCH)
        if spec.align is not None:
            fmt.alignment = spec.align
        if spec.first_line:
            fmt.first_line_indent = Twips(spec.first_line)
        if spec.left:
            fmt.left_indent = Twips(spec.left)
        if spec.right:
            fmt.right_indent = Twips(spec.right)
        if spec.keep_next:
            fmt.keep_with_next = True
        if spec.outline is not None:
            set_attrs(child(style.element.get_or_add_pPr(), "w:outlineLvl"), val=spec.outline)
        if spec.size > SIZE_3HAO:
            set_attrs(child(style.element.get_or_add_pPr(), "w:snapToGrid"), val=0)
    footer = styles["Footer"] if "Footer" in styles else None
    if footer is not None:
        footer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        format_rpr(footer.element.get_or_add_rPr(), SONGTI, latin=SONGTI, size=SIZE_4HAO)


def _tracking(size: int) -> int | None:
    """Run tracking that fits 28 characters of 3号 text on a line; none for other sizes."""
    return TRACKING if size == SIZE_3HAO else None


def add_page_field(paragraph: Paragraph, *, east_asia: str = SONGTI, size: int = SIZE_4HAO) -> None:
    """Append a PAGE field (begin / instrText / separate / result / end runs) in the given font."""
    parts = (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None))
    for kind, text in parts:
        run = paragraph.add_run()
        format_rpr(run._r.get_or_add_rPr(), east_asia, latin=east_asia, size=size)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text or ""
        else:
            run._r.append(set_attrs(OxmlElement("w:fldChar"), fldCharType=kind))


def fill_page_number_footer(document: Document, footer: _Footer, *, odd: bool) -> Paragraph:
    """Write "— N —" in 4号宋体: odd pages right with one character inset, even pages left."""
    footer.is_linked_to_previous = False
    container = footer._element
    for block in list(container):
        container.remove(block)
    paragraph = footer.add_paragraph()
    if "Footer" in document.styles:
        paragraph.style = document.styles["Footer"]
    format_paragraph(
        paragraph,
        align=RIGHT if odd else LEFT,
        right=280 if odd else 0,
        left=0 if odd else 280,
        line=None,
    )
    add_run(paragraph, "— ", SONGTI, latin=SONGTI, size=SIZE_4HAO, tracking=None)
    add_page_field(paragraph)
    add_run(paragraph, " —", SONGTI, latin=SONGTI, size=SIZE_4HAO, tracking=None)
    return paragraph


def add_page_number_footers(document: Document) -> None:
    """Odd/even page-number footers on every section, with evenAndOddHeaders switched on."""
    document.settings.odd_and_even_pages_header_footer = True
    for section in document.sections:
        section.different_first_page_header_footer = False
        fill_page_number_footer(document, section.footer, odd=True)
        fill_page_number_footer(document, section.even_page_footer, odd=False)


FONT_TABLE: tuple[tuple[str, str | None, str, str, str], ...] = (
    (LATIN, None, "00", "roman", "variable"),
    (FANGSONG, "仿宋", "86", "modern", "fixed"),
    (KAITI, "楷体", "86", "modern", "fixed"),
    (HEITI, "SimHei", "86", "modern", "fixed"),
    (SONGTI, "SimSun", "86", "auto", "variable"),
    (XIAOBIAOSONG, "宋体", "86", "script", "variable"),
)


def font_table_xml() -> bytes:
    """A fontTable part naming the 公文 fonts with the GB2312 charset and installed fallbacks."""
    fonts = OxmlElement("w:fonts")
    for name, alt, charset, family, pitch in FONT_TABLE:
        font = set_attrs(OxmlElement("w:font"), name=name)
        if alt:
            font.append(set_attrs(OxmlElement("w:altName"), val=alt))
        font.append(set_attrs(OxmlElement("w:charset"), val=charset))
        font.append(set_attrs(OxmlElement("w:family"), val=family))
        font.append(set_attrs(OxmlElement("w:pitch"), val=pitch))
        fonts.append(font)
    return etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)


def tidy_package(document: Document) -> None:
    """Drop the default template's stylesWithEffects part and thumbnail; write a 公文 font table."""
    part = document.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del part.rels[rid]
        elif rel.reltype == RT.FONT_TABLE and not rel.is_external:
            rel.target_part._blob = font_table_xml()
    package_rels = part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rid]


def setup_document(document: Document) -> Document:
    """Turn a python-docx document into a 公文 base: styles, fonts, page setup and page numbers."""
    tidy_package(document)
    prune_styles(document)
    apply_default_fonts(document)
    ensure_styles(document)
    for section in document.sections:
        apply_page_setup(section)
    add_page_number_footers(document)
    return document


def clear_body(document: Document) -> None:
    """Remove every paragraph and table of the body, keeping the final section properties."""
    body = document.element.body
    for block in list(body):
        if block.tag != qn("w:sectPr"):
            body.remove(block)


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


@dataclass(frozen=True)
class _RowPrototype:
    """Pre-built cells and run properties that every row of one kind is copied from."""

    row: BaseOxmlElement
    cells: tuple[BaseOxmlElement, ...]
    run: BaseOxmlElement


def _row_prototype(
    widths: Sequence[int],
    aligns: Sequence[str],
    *,
    east_asia: str,
    latin: str,
    size: int,
    style_id: str | None,
    header: bool = False,
) -> _RowPrototype:
    """Empty row, cell and run templates: fixed widths, exact grid spacing, explicit fonts."""
    tr = OxmlElement("w:tr")
    trpr = child(tr, "w:trPr")
    child(trpr, "w:cantSplit")
    if header:
        child(trpr, "w:tblHeader")
    cells = []
    for width, align in zip(widths, aligns, strict=True):
        tc = OxmlElement("w:tc")
        set_attrs(child(child(tc, "w:tcPr"), "w:tcW"), w=width, type="dxa")
        ppr = child(child(tc, "w:p"), "w:pPr")
        if style_id is not None:
            set_attrs(child(ppr, "w:pStyle"), val=style_id)
        keep_punctuation_inside(ppr)
        set_attrs(child(ppr, "w:spacing"), before=0, after=0, line=LINE_PITCH, lineRule="exact")
        set_attrs(child(ppr, "w:ind"), left=0, right=0, firstLine=0)
        set_attrs(child(ppr, "w:jc"), val=align)
        cells.append(tc)
    run = OxmlElement("w:r")
    format_rpr(child(run, "w:rPr"), east_asia, latin=latin, size=size)
    return _RowPrototype(tr, tuple(cells), run)


def _table_row(proto: _RowPrototype, texts: Sequence[str], merges: dict[int, str]) -> BaseOxmlElement:
    """A row copied from its prototype, one run per line of each cell's text, vMerge where asked."""
    tr = copy.deepcopy(proto.row)
    for col, (cell, text) in enumerate(zip(proto.cells, texts, strict=True)):
        tc = copy.deepcopy(cell)
        merge = merges.get(col)
        if merge is not None:
            vmerge = child(tc[0], "w:vMerge")
            if merge == "restart":
                set_attrs(vmerge, val="restart")
        if merge != "continue" and text:
            p = tc[-1]
            for i, part in enumerate(clean_text(text).split("\n")):
                r = copy.deepcopy(proto.run)
                if i:
                    r.append(OxmlElement("w:br"))
                t = OxmlElement("w:t")
                t.text = part
                if part != part.strip():
                    t.set(qn("xml:space"), "preserve")
                r.append(t)
                p.append(r)
        tr.append(tc)
    return tr


def add_table(
    document: Document,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths: Sequence[int],
    *,
    aligns: Sequence[str] | None = None,
    size: int = SIZE_4HAO,
    font: str = FANGSONG,
    header_font: str = HEITI,
    latin: str | None = None,
    groups: Sequence[int] | None = None,
    merge_columns: Sequence[int] = (),
) -> Table:
    """A bordered table (twips widths), 仿宋 cells and a repeating 黑体 header; groups merge merge_columns."""
    # Digits default to the cell's own font: a digits-only line in another font sits on another baseline.
    table = document.add_table(rows=0, cols=len(header))
    tbl = table._tbl
    tblpr = tbl.tblPr
    for item in list(tblpr):
        tblpr.remove(item)
    set_attrs(child(tblpr, "w:tblW"), w=sum(widths), type="dxa")
    set_attrs(child(tblpr, "w:jc"), val="center")
    borders = child(tblpr, "w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(set_attrs(OxmlElement(f"w:{edge}"), val="single", sz=4, space=0, color="auto"))
    set_attrs(child(tblpr, "w:tblLayout"), type="fixed")
    margins = child(tblpr, "w:tblCellMar")
    for edge, width in (("top", 0), ("left", 57), ("bottom", 0), ("right", 57)):
        margins.append(set_attrs(OxmlElement(f"w:{edge}"), w=width, type="dxa"))
    look = child(tblpr, "w:tblLook")
    set_attrs(look, val="04A0", firstRow=1, lastRow=0, firstColumn=1, lastColumn=0, noHBand=0, noVBand=1)
    grid = tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    for width in widths:
        grid.append(set_attrs(OxmlElement("w:gridCol"), w=width))

    style_id = STYLE_TABLE.style_id if STYLE_TABLE.name in document.styles else None
    head = _row_prototype(
        widths, ["center"] * len(header), east_asia=header_font, latin=latin or header_font, size=size,
        style_id=style_id, header=True,
    )
    body = _row_prototype(
        widths, aligns or ["center"] * len(header), east_asia=font, latin=latin or font, size=size,
        style_id=style_id,
    )
    tbl.append(_table_row(head, header, {}))
    states: list[str | None] = []
    for count in groups or ():
        states.extend(["restart", *["continue"] * (count - 1)] if count > 1 else [None])
    for index, cells in enumerate(rows):
        state = states[index] if index < len(states) else None
        tbl.append(_table_row(body, cells, dict.fromkeys(merge_columns, state) if state else {}))
    return table


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


def cant_split_row(row: t.Any) -> None:
    """Keep a table row on one page."""
    child(child(row._tr, "w:trPr"), "w:cantSplit")


def _table_frame(document: Document, widths: Sequence[int], borders: dict[str, tuple[str, int]]) -> Table:
    """An empty fixed-layout table of the given column widths (twips), centred, with the given borders."""
    table = document.add_table(rows=0, cols=len(widths))
    tbl = table._tbl
    tblpr = tbl.tblPr
    for item in list(tblpr):
        tblpr.remove(item)
    set_attrs(child(tblpr, "w:tblW"), w=sum(widths), type="dxa")
    set_attrs(child(tblpr, "w:jc"), val="center")
    edges = child(tblpr, "w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        val, size = borders.get(edge, ("nil", 0))
        attrs: dict[str, str | int] = {"val": val}
        if val != "nil":
            attrs.update(sz=size, space=0, color="auto")
        edges.append(set_attrs(OxmlElement(f"w:{edge}"), **attrs))
    set_attrs(child(tblpr, "w:tblLayout"), type="fixed")
    margins = child(tblpr, "w:tblCellMar")
    for edge in ("top", "left", "bottom", "right"):
        margins.append(set_attrs(OxmlElement(f"w:{edge}"), w=0, type="dxa"))
    grid = tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    for width in widths:
        grid.append(set_attrs(OxmlElement("w:gridCol"), w=width))
    return table


def add_layout_table(document: Document, widths: Sequence[int]) -> Table:
    """A borderless table that only lays things out side by side (photos and their captions)."""
    return _table_frame(document, widths, {})


def _fill_cell(cell: t.Any, width: int) -> Paragraph:
    set_attrs(child(cell._tc.get_or_add_tcPr(), "w:tcW"), w=width, type="dxa")
    return cell.paragraphs[0]


BANJI_THICK = 8
BANJI_THIN = 6
CHAR_4HAO = 280


def add_banji(document: Document, copies_to: str | None, printer: str, printed_on: str) -> Table:
    """版记: 抄送 (optional) and 印发机关/印发日期 in 4号仿宋 between full-width rules, thick outside, thin inside."""
    borders = {"top": ("single", BANJI_THICK), "bottom": ("single", BANJI_THICK),
               "insideH": ("single", BANJI_THIN)}
    table = _table_frame(document, [TEXT_WIDTH], borders)
    if copies_to is not None:
        row = table.add_row()
        cant_split_row(row)
        paragraph = _fill_cell(row.cells[0], TEXT_WIDTH)
        format_paragraph(paragraph, align=JUSTIFY, left=CHAR_4HAO, right=CHAR_4HAO, hanging=0)
        text = copies_to if copies_to.startswith("抄送") else f"抄送：{copies_to}"
        add_run(paragraph, text if text.endswith("。") else f"{text}。", size=SIZE_4HAO, tracking=None)
    row = table.add_row()
    cant_split_row(row)
    paragraph = _fill_cell(row.cells[0], TEXT_WIDTH)
    format_paragraph(paragraph, align=LEFT, left=CHAR_4HAO, right=CHAR_4HAO)
    tabs = child(paragraph._p.get_or_add_pPr(), "w:tabs")
    tabs.append(set_attrs(OxmlElement("w:tab"), val="right", pos=TEXT_WIDTH - CHAR_4HAO))
    add_run(paragraph, printer, size=SIZE_4HAO, tracking=None)
    add_run(paragraph, "\t", size=SIZE_4HAO, tracking=None)
    add_run(paragraph, printed_on if printed_on.endswith("印发") else f"{printed_on}印发", size=SIZE_4HAO,
            tracking=None)
    return table
