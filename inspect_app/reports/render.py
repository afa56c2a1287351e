"""Render a report template (docxtpl) with generated GB/T 9704 blocks and stream its photos into the package.

A template in ``report_templates/`` holds what staff may edit: the fixed wording, the issuing office,
the red header, the signature and the 版记, with ``{{ name }}`` placeholders for computed figures.
Parts whose shape depends on the data — numbered problem lists, tables, the photo appendix — are
built here with the :mod:`inspect_app.core.documents` helpers on the template's own styles and
dropped in through ``{{p name }}`` paragraphs.

Memory stays bounded whatever the size of the campaign. Each block is serialized once, as it is built,
into a spooled file (:class:`BlockStore`; a large table's rows one at a time, :func:`stream_rows`);
the template is rendered with a marker in its place, and :func:`write_package` copies the blocks in
where the markers stand as it writes ``word/document.xml``. Photos are never held in memory together:
the document refers to them by relationship id, and :func:`write_package` copies them into the zip
one at a time, the copy made for reports byte for byte.
"""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
import typing as t
import zipfile
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from docx.document import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from docxtpl import Listing
from jinja2 import Environment
from jinja2 import StrictUndefined
from lxml import etree
from PIL import Image

from ..core import documents as gb
from ..core import storage
from ..db import LOCAL_TZ
from ..media.processing import REPORT_LONG_EDGE
from ..media.processing import REPORT_QUALITY

PHOTO_LONG_EDGE = REPORT_LONG_EDGE
PHOTO_QUALITY = REPORT_QUALITY
COPY_BUFFER = 256 * 1024
# Generated blocks stay in memory up to this size, then go to a temporary file.
BLOCK_SPOOL_BYTES = 8 * 1024 * 1024
BLOCK_MARK = "inspect-block"
ROWS_MARK = "inspect-rows"
MARKS = re.compile(rb"<\?(" + BLOCK_MARK.encode() + rb"|" + ROWS_MARK.encode() + rb") (\d+)\?>")
LISTING_CHARS = (b"\t", b"\n", b"\a", b"\f")
# Pictures' drawing ids, above those docxtpl gives the template's own drawings (1001 on).
PHOTO_DOCPR_BASE = 1_000_000
PHOTO_COLUMNS = 2
PHOTO_MAX_HEIGHT_MM = 55
EMU_PER_TWIP = 635
REL_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


class RawXml:
    """Ready-made WordprocessingML for a ``{{p name }}`` paragraph: inserted as it is, never escaped."""

    def __init__(self, xml: str) -> None:
        self.xml = xml

    def __html__(self) -> str:
        return self.xml

    def __str__(self) -> str:
        return self.xml

    def __bool__(self) -> bool:
        return bool(self.xml)


def lines(text: str) -> Listing:
    """A text whose line breaks become line breaks inside its paragraph (e.g. a two-line title)."""
    return Listing(text)


@dataclass
class Photo:
    """A photo for the appendix: its key in the ``uploads`` store, read when the package is written, and its caption.

    ``as_is``: the file is the copy made for reports when the photo was processed (a JPEG of the
    appendix's size, ``width`` × ``height``), copied into the package byte for byte; otherwise the
    file is scaled to PHOTO_LONG_EDGE as it is copied. ``fallback`` is read (and scaled) when
    ``key`` is missing from the store.
    """

    key: str
    caption: str
    width: int | None = None
    height: int | None = None
    fallback: str | None = None
    as_is: bool = False


@dataclass
class PhotoSink:
    """Photos referred to by the document so far, in order; their bytes are read only when writing."""

    photos: list[Photo] = field(default_factory=list)

    def add(self, photo: Photo) -> str:
        self.photos.append(photo)
        return f"rIdReportPhoto{len(self.photos)}"


class BlockStore:
    """Generated blocks as serialized XML in a spooled file, until the package is written.

    The template is rendered with a marker (a processing instruction) where each block goes, so the
    document's XML is built once: each block is serialized as it is made, taken out of the scratch
    document, and copied from here into ``word/document.xml`` by :func:`write_package`.
    """

    def __init__(self, listing: Callable[[str], str] = lambda xml: xml) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=BLOCK_SPOOL_BYTES)
        self.spans: list[tuple[int, int]] = []
        self.rows: list[Iterator[etree._Element]] = []
        # Line breaks and tabs in text become <w:br/> and <w:tab/>, as docxtpl makes them in the template.
        self.listing = listing

    def add(self, elements: Iterable[etree._Element]) -> RawXml:
        """Keep the elements' XML; the marker that stands for them (empty when there are none).

        Rows left to :func:`stream_rows` are made and serialized here, one at a time, where they go.
        """
        start = self.file.tell()
        for element in elements:
            xml = etree.tostring(element, encoding="UTF-8")
            done = 0
            for match in MARKS.finditer(xml):
                self._write(xml[done : match.start()])
                rows, self.rows[int(match.group(2))] = self.rows[int(match.group(2))], iter(())
                for row in rows:
                    self._write(etree.tostring(row, encoding="UTF-8"))
                done = match.end()
            self._write(xml[done:])
        end = self.file.tell()
        if end == start:
            return RawXml("")
        self.spans.append((start, end))
        return RawXml(f"<?{BLOCK_MARK} {len(self.spans) - 1}?>")

    def _write(self, xml: bytes) -> None:
        if any(c in xml for c in LISTING_CHARS):
            xml = self.listing(xml.decode()).encode()
        self.file.write(xml)

    def defer(self, rows: Iterator[etree._Element]) -> etree._Element:
        """A placeholder for rows to be made when their block is stored."""
        self.rows.append(rows)
        return etree.ProcessingInstruction(ROWS_MARK, str(len(self.rows) - 1))

    @property
    def size(self) -> int:
        """Bytes of XML kept so far."""
        return self.spans[-1][1] if self.spans else 0

    def copy(self, number: int, sink: t.IO[bytes]) -> None:
        start, end = self.spans[number]
        self.file.seek(start)
        left = end - start
        while left:
            chunk = self.file.read(min(left, COPY_BUFFER))
            sink.write(chunk)
            left -= len(chunk)
        self.file.seek(0, 2)

    def close(self) -> None:
        self.file.close()


def capture(document: Document, write: Callable[[Document], t.Any], store: BlockStore) -> RawXml:
    """Run ``write`` on a scratch copy of the template and keep what it appended in ``store``.

    The blocks are serialized as they are and left in the scratch document (taking thousands of rows
    out of an lxml tree again costs seconds), which is thrown away with them once it holds much
    (``blocks.Blocks``). The returned marker stands for them in the template's context.
    """
    body = document.element.body
    # python-docx inserts new blocks before the final sectPr, so they sit between the old blocks and it.
    has_sect = len(body) > 0 and body[-1].tag == qn("w:sectPr")
    before = len(body) - has_sect
    token = _capturing.set(store)
    try:
        write(document)
        added = list(body)[before : len(body) - has_sect]
        return store.add(added)
    finally:
        _capturing.reset(token)


# The store of the block being captured, for stream_rows.
_capturing: ContextVar[BlockStore | None] = ContextVar("report_block_store", default=None)


def stream_rows(tbl: etree._Element, rows: Iterator[etree._Element]) -> None:
    """A row sink for ``gb.add_table``: while a block is captured, the table's rows are made and
    serialized one at a time as the block is stored, so a table of thousands of rows is never held
    in memory whole (its tree takes some twenty times its XML). Elsewhere they are appended."""
    store = _capturing.get()
    if store is None:
        gb.append_rows(tbl, rows)
    else:
        tbl.append(store.defer(rows))


def jinja_env() -> Environment:
    """Autoescaping (school names may hold & or <) and strict: an unknown placeholder is an error."""
    return Environment(autoescape=True, undefined=StrictUndefined)


def open_template(path: Path) -> DocxTemplate:
    return DocxTemplate(str(path))


def render(tpl: DocxTemplate, context: dict[str, t.Any], out: t.BinaryIO, photos: PhotoSink,
           progress: Callable[[int], None] | None = None, blocks: BlockStore | None = None) -> None:
    """Render the template with the context and write the package, blocks and photos streamed in, to ``out``."""
    tpl.render(context, jinja_env=jinja_env(), autoescape=True)
    props = tpl.docx.core_properties
    props.revision = 1
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as staged:
        tpl.save(staged)
        staged.seek(0)
        write_package(t.cast(t.BinaryIO, staged), photos.photos, out, progress=progress, blocks=blocks)


def write_package(src: t.BinaryIO, photos: list[Photo], out: t.BinaryIO,
                  progress: Callable[[int], None] | None = None, blocks: BlockStore | None = None) -> None:
    """Copy the rendered package to ``out``, the blocks spliced into the document and one image part
    added per photo, each read and written alone."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        seen: set[str] = set()
        for info in zin.infolist():
            if info.filename in seen:
                continue
            seen.add(info.filename)
            data = zin.read(info)
            if blocks is not None and info.filename == "word/document.xml":
                _write_document(zout, info, data, blocks)
                continue
            if photos and info.filename == "word/_rels/document.xml.rels":
                data = _with_photo_rels(data, len(photos))
            elif photos and info.filename == "[Content_Types].xml":
                data = _with_jpeg_type(data)
            zout.writestr(info.filename, data)
        for number, photo in enumerate(photos, start=1):
            name = f"word/media/report-photo-{number}.jpeg"
            with zout.open(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), "w") as sink:
                _copy_photo(photo, sink)
            if progress:
                progress(number)


def _write_document(zout: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, blocks: BlockStore) -> None:
    """The rendered document with each block's XML copied in where its marker stands."""
    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    entry.compress_type = zipfile.ZIP_DEFLATED
    with zout.open(entry, "w") as sink:
        done = 0
        for match in MARKS.finditer(data):
            sink.write(data[done : match.start()])
            blocks.copy(int(match.group(2)), sink)
            done = match.end()
        sink.write(data[done:])


def _with_photo_rels(data: bytes, count: int) -> bytes:
    root = etree.fromstring(data)
    for number in range(1, count + 1):
        rel = etree.SubElement(root, f"{{{PKG_RELS}}}Relationship")
        rel.set("Id", f"rIdReportPhoto{number}")
        rel.set("Type", REL_IMAGE)
        rel.set("Target", f"media/report-photo-{number}.jpeg")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _with_jpeg_type(data: bytes) -> bytes:
    root = etree.fromstring(data)
    if not any(d.get("Extension", "").lower() == "jpeg" for d in root.iter(f"{{{CT_NS}}}Default")):
        default = etree.Element(f"{{{CT_NS}}}Default")
        default.set("Extension", "jpeg")
        default.set("ContentType", "image/jpeg")
        root.insert(0, default)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _copy_photo(photo: Photo, sink: t.IO[bytes]) -> None:
    """The report copy as it is; else the stored photo scaled to the appendix (JPEG draft decoding
    keeps that cheap); else its fallback."""
    store = storage.area("uploads")
    if photo.as_is:
        try:
            with store.open(photo.key) as fh:
                shutil.copyfileobj(fh, sink, COPY_BUFFER)
                return
        except (OSError, storage.StorageError):
            pass
    for key in (photo.key if not photo.as_is else None, photo.fallback):
        if key is None:
            continue
        try:
            with store.open(key) as fh, Image.open(fh) as image:
                image.draft("RGB", (PHOTO_LONG_EDGE, PHOTO_LONG_EDGE))
                small = image.convert("RGB")
                small.thumbnail((PHOTO_LONG_EDGE, PHOTO_LONG_EDGE), Image.Resampling.BICUBIC)
                small.save(sink, "JPEG", quality=PHOTO_QUALITY)
                return
        except (OSError, storage.StorageError):
            continue
    # A file gone missing from the store still leaves a valid (grey) picture in its place.
    Image.new("RGB", (4, 3), (200, 200, 200)).save(sink, "JPEG")


def photo_size(photo: Photo) -> tuple[int, int]:
    """Pixel size from the database, or read from the file header when the database has none."""
    if photo.width and photo.height:
        return photo.width, photo.height
    store = storage.area("uploads")
    for key in (photo.key, photo.fallback):
        if key is None:
            continue
        try:
            with store.open(key) as fh, Image.open(fh) as image:
                return image.size
        except (OSError, storage.StorageError):
            continue
    return 4, 3


_DRAWING = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:drawing>'
    '<wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
    '<wp:docPr id="{id}" name="照片{n}" descr="{descr}"/>'
    '<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'noChangeAspect="1"/></wp:cNvGraphicFramePr>'
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:nvPicPr><pic:cNvPr id="{n}" name="report-photo-{n}.jpeg"/><pic:cNvPicPr/></pic:nvPicPr>'
    '<pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
    '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
    "</wp:inline></w:drawing></w:r>"
)


def photo_run(rid: str, number: int, width_twips: int, height_twips: int, descr: str) -> etree._Element:
    """An inline picture run referring to an image part by relationship id."""
    xml = _DRAWING.format(cx=width_twips * EMU_PER_TWIP, cy=height_twips * EMU_PER_TWIP, n=number,
                          id=PHOTO_DOCPR_BASE + number, rid=rid,
                          descr=escape(descr, {'"': "&quot;"}))
    return etree.fromstring(xml)


def add_photo_grid(document: Document, photos: Iterable[Photo], sink: PhotoSink,
                   *, columns: int = PHOTO_COLUMNS) -> int:
    """Photos two to a row in a borderless table, each captioned below; returns how many were laid out."""
    cell_width = gb.TEXT_WIDTH // columns
    picture_width = cell_width - 2 * gb.CHAR
    max_height = round(PHOTO_MAX_HEIGHT_MM * 1440 / 25.4)
    table = None
    row_cells: list[t.Any] = []
    count = 0
    formats = _Formats()
    for photo in photos:
        if table is None:
            table = gb.add_layout_table(document, [cell_width] * columns)
        if not row_cells:
            row = table.add_row()
            gb.cant_split_row(row)
            row_cells = list(row.cells)
        cell = row_cells.pop(0)
        count += 1
        width, height = photo_size(photo)
        w = picture_width
        h = round(w * height / width)
        if h > max_height:
            w, h = round(max_height * width / height), max_height
        rid = sink.add(photo)
        picture = cell.paragraphs[0]
        formats.apply(picture, "picture", align=gb.CENTER, line=None, snap_to_grid=False, keep_next=True)
        picture._p.append(photo_run(rid, len(sink.photos), w, h, photo.caption))
        caption = cell.add_paragraph()
        formats.apply(caption, "caption", align=gb.CENTER, line=None, snap_to_grid=False)
        formats.run(caption, photo.caption, size=gb.SIZE_XIAO4, tracking=None)
        spacer = cell.add_paragraph()
        formats.apply(spacer, "spacer", line=None, snap_to_grid=False)
    return count


class _Formats:
    """Paragraph and run properties made once with the 公文 helpers and copied to every other photo's."""

    def __init__(self) -> None:
        self.ppr: dict[str, etree._Element] = {}
        self.rpr: etree._Element | None = None

    def apply(self, paragraph: t.Any, kind: str, **options: t.Any) -> None:
        proto = self.ppr.get(kind)
        if proto is None:
            gb.format_paragraph(paragraph, **options)
            self.ppr[kind] = copy.deepcopy(paragraph._p.pPr)
            return
        p = paragraph._p
        if p.pPr is not None:
            p.remove(p.pPr)
        p.insert(0, copy.deepcopy(proto))

    def run(self, paragraph: t.Any, text: str, **options: t.Any) -> None:
        if self.rpr is None:
            run = gb.add_run(paragraph, text, **options)
            self.rpr = copy.deepcopy(run._r.rPr)
            return
        run = paragraph.add_run(gb.clean_text(text))
        run._r.insert(0, copy.deepcopy(self.rpr))


def local_time(moment: datetime | None) -> str:
    """A moment as 2026年10月12日 10:35 in Asia/Shanghai; empty when unknown."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LOCAL_TZ)
    return f"{gb.zh_date(local.date())} {local:%H:%M}"

