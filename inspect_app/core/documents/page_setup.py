"""The 公文 page and its package: A4 setup, line grid, default fonts, styles, page-number footers, font table."""

from __future__ import annotations

import typing as t
from collections.abc import Iterable

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.section import _Footer
from docx.shared import Twips
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from lxml import etree

from .layout import FANGSONG
from .layout import FOOTER_DISTANCE
from .layout import HEADER_DISTANCE
from .layout import HEITI
from .layout import JUSTIFY
from .layout import KAITI
from .layout import KEPT_STYLE_IDS
from .layout import LATIN
from .layout import LEFT
from .layout import LINE_PITCH
from .layout import MARGIN_BOTTOM
from .layout import MARGIN_LEFT
from .layout import MARGIN_RIGHT
from .layout import MARGIN_TOP
from .layout import PAGE_HEIGHT
from .layout import PAGE_WIDTH
from .layout import RIGHT
from .layout import SIZE_3HAO
from .layout import SIZE_4HAO
from .layout import SONGTI
from .layout import STYLE_SPECS
from .layout import TRACKING
from .layout import XIAOBIAOSONG
from .layout import StyleSpec
from .oxml import child
from .oxml import format_rpr
from .oxml import keep_punctuation_inside
from .oxml import set_attrs
from .oxml import strip_theme_fonts
from .paragraphs import add_run
from .paragraphs import format_paragraph


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
