"""Tables in a 公文: bordered data tables with a repeating header, layout tables and the 版记."""

from __future__ import annotations

import copy
import typing as t
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass

from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from docx.text.paragraph import Paragraph

from .layout import FANGSONG
from .layout import HEITI
from .layout import JUSTIFY
from .layout import LEFT
from .layout import LINE_PITCH
from .layout import SIZE_4HAO
from .layout import STYLE_TABLE
from .layout import TEXT_WIDTH
from .oxml import child
from .oxml import format_rpr
from .oxml import keep_punctuation_inside
from .oxml import set_attrs
from .paragraphs import add_run
from .paragraphs import format_paragraph
from .text import clean_text

# Where a table's body rows go: appended to the table (``w:tbl``) by default; a writer that streams the
# document may take them instead and serialize them one at a time (reports/render.py ``stream_rows``).
RowSink = Callable[[BaseOxmlElement, Iterator[BaseOxmlElement]], None]


def append_rows(tbl: BaseOxmlElement, rows: Iterator[BaseOxmlElement]) -> None:
    for tr in rows:
        tbl.append(tr)


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
    row_sink: RowSink | None = None,
) -> Table:
    """A bordered table (twips widths), 仿宋 cells and a repeating 黑体 header; groups merge merge_columns.

    The body rows are made one by one and handed to ``row_sink`` (default: appended to the table).
    """
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

    def body_rows() -> Iterator[BaseOxmlElement]:
        for index, cells in enumerate(rows):
            state = states[index] if index < len(states) else None
            yield _table_row(body, cells, dict.fromkeys(merge_columns, state) if state else {})

    (row_sink or append_rows)(tbl, body_rows())
    return table


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
