"""WordprocessingML at the element level: children in schema order, w: attributes, run properties."""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

from .layout import FANGSONG
from .layout import LATIN
from .layout import SIZE_3HAO

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


def keep_punctuation_inside(ppr: BaseOxmlElement) -> None:
    """Keep line-end punctuation inside the type area when LibreOffice renders the document."""
    # LibreOffice's DOCX import reads w:overflowPunct inverted: val=1 switches its hanging punctuation off.
    # Word reads val=1 as its own default, so Word output is unchanged.
    set_attrs(child(ppr, "w:overflowPunct"), val=1)
