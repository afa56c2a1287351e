"""The GB/T 9704-2012 公文 toolkit on python-docx: page setup, fonts, styles, page numbers, text and tables.

Every .docx the application writes (reports, plan notices, the report templates themselves) is laid
out with these helpers. The modules split the work — :mod:`.layout` (measures and styles),
:mod:`.text` (dates, numerals, title breaks), :mod:`.oxml` (element-level helpers),
:mod:`.paragraphs` (title, headings, body, signature, attachments, red header), :mod:`.tables`
(tables and the 版记), :mod:`.page_setup` (page, styles, footers, font table) and :mod:`.base`
(the blank 公文 document) — and the package exports their public names, so callers write
``from inspect_app.core import documents as gb`` and ``gb.add_heading(...)``.
"""

from __future__ import annotations

from .base import build_base_template
from .base import new_document
from .base import reset_properties
from .layout import CENTER
from .layout import CHAR
from .layout import FANGSONG
from .layout import FOOTER_DISTANCE
from .layout import HEADER_DISTANCE
from .layout import HEADING_FONTS
from .layout import HEITI
from .layout import ISSUER_OFFSET
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
from .layout import RED
from .layout import RIGHT
from .layout import RULE_GAP
from .layout import SIZE_2HAO
from .layout import SIZE_3HAO
from .layout import SIZE_4HAO
from .layout import SIZE_XIAO4
from .layout import SONGTI
from .layout import STYLE_ATTACHMENT_LABEL
from .layout import STYLE_ATTACHMENT_NOTE
from .layout import STYLE_BODY
from .layout import STYLE_DATE
from .layout import STYLE_HEADING
from .layout import STYLE_RECIPIENT
from .layout import STYLE_SIGNATURE
from .layout import STYLE_SPECS
from .layout import STYLE_TABLE
from .layout import STYLE_TITLE
from .layout import TEXT_WIDTH
from .layout import TRACKING
from .layout import XIAOBIAOSONG
from .layout import StyleSpec
from .oxml import SCHEMA_ORDER
from .oxml import child
from .oxml import format_rpr
from .oxml import keep_punctuation_inside
from .oxml import set_attrs
from .oxml import strip_theme_fonts
from .page_setup import FONT_TABLE
from .page_setup import add_page_field
from .page_setup import add_page_number_footers
from .page_setup import apply_default_fonts
from .page_setup import apply_page_setup
from .page_setup import clear_body
from .page_setup import ensure_styles
from .page_setup import fill_page_number_footer
from .page_setup import font_table_xml
from .page_setup import prune_styles
from .page_setup import set_doc_grid
from .page_setup import setup_document
from .page_setup import tidy_package
from .paragraphs import add_attachment_heading
from .paragraphs import add_attachment_note
from .paragraphs import add_blank_lines
from .paragraphs import add_body
from .paragraphs import add_heading
from .paragraphs import add_recipient
from .paragraphs import add_red_header
from .paragraphs import add_run
from .paragraphs import add_signature
from .paragraphs import add_title
from .paragraphs import char_twips
from .paragraphs import format_paragraph
from .paragraphs import use_style
from .tables import BANJI_THICK
from .tables import BANJI_THIN
from .tables import CHAR_4HAO
from .tables import RowSink
from .tables import add_banji
from .tables import add_layout_table
from .tables import add_table
from .tables import append_rows
from .tables import cant_split_row
from .text import TITLE_BREAK_AFTER
from .text import clean_text
from .text import split_title
from .text import text_width
from .text import zh_date
from .text import zh_date_range
from .text import zh_numeral

__all__ = [
    "BANJI_THICK",
    "BANJI_THIN",
    "CENTER",
    "CHAR",
    "CHAR_4HAO",
    "FANGSONG",
    "FONT_TABLE",
    "FOOTER_DISTANCE",
    "HEADER_DISTANCE",
    "HEADING_FONTS",
    "HEITI",
    "ISSUER_OFFSET",
    "JUSTIFY",
    "KAITI",
    "KEPT_STYLE_IDS",
    "LATIN",
    "LEFT",
    "LINE_PITCH",
    "MARGIN_BOTTOM",
    "MARGIN_LEFT",
    "MARGIN_RIGHT",
    "MARGIN_TOP",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "RED",
    "RIGHT",
    "RULE_GAP",
    "SCHEMA_ORDER",
    "SIZE_2HAO",
    "SIZE_3HAO",
    "SIZE_4HAO",
    "SIZE_XIAO4",
    "SONGTI",
    "STYLE_ATTACHMENT_LABEL",
    "STYLE_ATTACHMENT_NOTE",
    "STYLE_BODY",
    "STYLE_DATE",
    "STYLE_HEADING",
    "STYLE_RECIPIENT",
    "STYLE_SIGNATURE",
    "STYLE_SPECS",
    "STYLE_TABLE",
    "STYLE_TITLE",
    "RowSink",
    "StyleSpec",
    "TEXT_WIDTH",
    "TITLE_BREAK_AFTER",
    "TRACKING",
    "XIAOBIAOSONG",
    "add_attachment_heading",
    "add_attachment_note",
    "add_banji",
    "add_blank_lines",
    "add_body",
    "add_heading",
    "add_layout_table",
    "add_page_field",
    "add_page_number_footers",
    "add_recipient",
    "add_red_header",
    "add_run",
    "add_signature",
    "add_table",
    "add_title",
    "append_rows",
    "apply_default_fonts",
    "apply_page_setup",
    "build_base_template",
    "cant_split_row",
    "char_twips",
    "child",
    "clean_text",
    "clear_body",
    "ensure_styles",
    "fill_page_number_footer",
    "font_table_xml",
    "format_paragraph",
    "format_rpr",
    "keep_punctuation_inside",
    "new_document",
    "prune_styles",
    "reset_properties",
    "set_attrs",
    "set_doc_grid",
    "setup_document",
    "split_title",
    "strip_theme_fonts",
    "text_width",
    "tidy_package",
    "use_style",
    "zh_date",
    "zh_date_range",
    "zh_numeral",
]
