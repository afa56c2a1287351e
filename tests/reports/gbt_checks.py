"""The GB/T 9704 checks of gbt9704.md §4 (1–14) on a .docx read back from its bytes, and its PDF (15)."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import docx
from lxml import etree

from inspect_app.core.documents import pdf

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
DATE_RE = re.compile(r"^\d{4}年([1-9]|1[0-2])月([1-9]|[12]\d|3[01])日$")
HEADINGS = (
    (re.compile(r"^[一二三四五六七八九十]+、"), "黑体"),
    (re.compile(r"^（[一二三四五六七八九十]+）"), "楷体_GB2312"),
    (re.compile(r"^\d+\.\S"), "仿宋_GB2312"),
    (re.compile(r"^（\d+）"), "仿宋_GB2312"),
)


def ptext(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def near(value: str | None, want: int, tolerance: int = 2) -> bool:
    return value is not None and abs(int(value) - want) <= tolerance


def body_paragraphs(xml: etree._Element) -> list[etree._Element]:
    """Paragraphs directly in the body (not in tables)."""
    return xml.findall(f"{W}body/{W}p")


def first_run(p: etree._Element) -> etree._Element:
    return next(r for r in p.iter(f"{W}r") if r.find(f"{W}t") is not None and (r.find(f"{W}t").text or "").strip())


def run_font(run: etree._Element) -> tuple[str | None, str | None]:
    rpr = run.find(f"{W}rPr")
    fonts, size = rpr.find(f"{W}rFonts"), rpr.find(f"{W}sz")
    return fonts.get(f"{W}eastAsia"), size.get(f"{W}val")


def check_document(blob: bytes, *, red_header: bool = False, banji: bool = False) -> str:  # noqa: C901
    """Assert checks 1–14 of gbt9704.md §4; returns the document's text (paragraphs and table cells)."""
    package = zipfile.ZipFile(io.BytesIO(blob))
    names = package.namelist()
    # 14. the package reopens, no duplicate entries, no tags left anywhere
    assert len(names) == len(set(names))
    docx.Document(io.BytesIO(blob))
    for name in names:
        if name.endswith(".xml"):
            assert not re.search(r"\{\{|\{%|%\}|\}\}", package.read(name).decode("utf8")), name
    xml = etree.fromstring(package.read("word/document.xml"))
    styles = etree.fromstring(package.read("word/styles.xml"))
    settings = etree.fromstring(package.read("word/settings.xml"))
    sect = xml.find(f"{W}body/{W}sectPr")
    # 1–3. A4 portrait, margins, line grid
    size, margins, grid = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar"), sect.find(f"{W}docGrid")
    assert near(size.get(f"{W}w"), 11906) and near(size.get(f"{W}h"), 16838)
    assert size.get(f"{W}orient") in (None, "portrait")
    for key, want in (("top", 2098), ("bottom", 1984), ("left", 1587), ("right", 1474)):
        assert near(margins.get(f"{W}{key}"), want), key
    assert grid.get(f"{W}type") == "lines" and grid.get(f"{W}linePitch") == "579"
    # 4. odd/even footers on
    even_odd = settings.find(f"{W}evenAndOddHeaders")
    assert even_odd is not None and even_odd.get(f"{W}val") not in ("0", "false")
    # 5. footers: PAGE between em dashes, 4号宋体, odd right / even left
    rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(package.read("word/_rels/document.xml.rels"))}
    refs = {r.get(f"{W}type"): r.get(f"{R}id") for r in sect.findall(f"{W}footerReference")}
    assert {"default", "even"} <= set(refs)
    for kind, rid in refs.items():
        footer = etree.fromstring(package.read("word/" + rels[rid]))
        p = footer.find(f"{W}p")
        assert re.search(r"\bPAGE\b", "".join(i.text for i in footer.iter(f"{W}instrText")))
        assert re.fullmatch(r"— \d+ —", ptext(p))
        for run in p.iter(f"{W}r"):
            assert run_font(run) == ("宋体", "28")
        jc, ind = p.find(f"{W}pPr/{W}jc").get(f"{W}val"), p.find(f"{W}pPr/{W}ind")
        if kind == "default":
            assert jc == "right" and int(ind.get(f"{W}right")) > 0
        else:
            assert jc == "left" and int(ind.get(f"{W}left")) > 0
    # 6. default fonts, no theme fonts
    rpr = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    fonts = rpr.find(f"{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "仿宋_GB2312" and fonts.get(f"{W}ascii") == "Times New Roman"
    assert rpr.find(f"{W}sz").get(f"{W}val") == "32" and rpr.find(f"{W}lang").get(f"{W}eastAsia") == "zh-CN"
    for name in names:
        if name.startswith("word/") and name.endswith(".xml"):
            assert not re.search(r'w:\w+Theme="', package.read(name).decode("utf8")), name
    paragraphs = body_paragraphs(xml)
    texts = [ptext(p) for p in paragraphs]
    # 7. body paragraphs: exact 579, first line 640, tracking -5
    body = [p for p, text in zip(paragraphs, texts, strict=True) if len(text) > 40]
    assert body
    for p in body:
        spacing, ind = p.find(f"{W}pPr/{W}spacing"), p.find(f"{W}pPr/{W}ind")
        assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("579", "exact"), ptext(p)[:20]
        assert ind.get(f"{W}firstLine") == "640", ptext(p)[:20]
        assert first_run(p).find(f"{W}rPr/{W}spacing").get(f"{W}val") == "-5"
    # 8. title: the first text paragraph after any red header, centred 方正小标宋简体 2号
    title = next(p for p, text in zip(paragraphs, texts, strict=True)
                 if text and p.find(f"{W}pPr/{W}framePr") is None and run_font(first_run(p))[0] == "方正小标宋简体")
    assert title.find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
    assert run_font(first_run(title)) == ("方正小标宋简体", "44")
    # 9. headings by their numbering
    for p, text in zip(paragraphs, texts, strict=True):
        for pattern, font in HEADINGS:
            if pattern.match(text) and not text.startswith("附件"):
                assert run_font(first_run(p)) == (font, "32"), text[:20]
                break
    # 10. colour: black outside the red header
    for p in xml.iter(f"{W}p"):
        colours = {c.get(f"{W}val") for c in p.iter(f"{W}color")} - {"auto", "000000"}
        if colours:
            assert red_header and colours == {"FF0000"} and p.find(f"{W}pPr/{W}framePr") is not None, ptext(p)
    rules = [b for b in xml.iter(f"{W}bottom") if b.getparent().tag == f"{W}pBdr"]
    if red_header:
        assert any(b.get(f"{W}color") == "FF0000" for b in rules)
    else:
        assert "FF0000" not in package.read("word/document.xml").decode("utf8")
    # 11. the date paragraph: unpadded, right, right-indented 4 characters
    dates = [p for p, text in zip(paragraphs, texts, strict=True) if DATE_RE.match(text)]
    assert dates
    for p in dates:
        assert p.find(f"{W}pPr/{W}jc").get(f"{W}val") == "right"
        assert p.find(f"{W}pPr/{W}ind").get(f"{W}right") == "1280"
    # 12. 附件说明
    for p, text in zip(paragraphs, texts, strict=True):
        if text.startswith("附件："):
            assert not re.search(r"[。，；.]$", text)
            ind = p.find(f"{W}pPr/{W}ind")
            assert int(ind.get(f"{W}left")) - int(ind.get(f"{W}hanging", "0")) == 640
    # 13. 版记
    tables = xml.findall(f"{W}body/{W}tbl")
    if banji:
        last = tables[-1]
        assert last.find(f"{W}tblPr/{W}tblW").get(f"{W}w") == "8845"
        borders = last.find(f"{W}tblPr/{W}tblBorders")
        assert int(borders.find(f"{W}top").get(f"{W}sz")) >= 8 and int(borders.find(f"{W}bottom").get(f"{W}sz")) >= 8
        rows = [ptext(tr) for tr in last.findall(f"{W}tr")]
        if len(rows) > 1:
            assert borders.find(f"{W}insideH").get(f"{W}sz") == "6"
            assert rows[0].startswith("抄送：") and rows[0].endswith("。")
        assert rows[-1].endswith("印发")
    cells = [ptext(tc) for tc in xml.iter(f"{W}tc")]
    return "\n".join(texts + cells)


def to_pdf(files: list[Path], folder: Path) -> dict[Path, Path]:
    """Convert .docx files to PDF with one LibreOffice run and the 公文 fonts mapped onto Noto CJK."""
    return pdf.convert(files, folder, timeout=300)


def pdf_pages(pdf: Path) -> tuple[int, list[tuple[float, float]]]:
    """Page count and the size of every page in points."""
    info = subprocess.run(["pdfinfo", "-l", "1000", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    return int(re.search(r"Pages:\s+(\d+)", info).group(1)), sizes


# The type area on A4 in points: 37 mm from the top, 35 mm from the bottom.
TYPE_TOP_PT = 37 / 25.4 * 72
TYPE_BOTTOM_PT = (297 - 35) / 25.4 * 72


def body_lines(pdf: Path) -> list[int]:
    """Per page, how many text lines sit in the type area (lines side by side in a table count once)."""
    layout = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True,
                            text=True).stdout
    counts = []
    for page in re.findall(r"<page\b.*?</page>", layout, flags=re.S):
        tops = {round(float(y)) for y in re.findall(r'<line xMin="[\d.]+" yMin="([\d.]+)"', page)}
        counts.append(sum(1 for y in tops if TYPE_TOP_PT - 5 < y < TYPE_BOTTOM_PT))
    return counts
