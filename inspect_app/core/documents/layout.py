"""GB/T 9704-2012 measures: fonts, sizes, page geometry and the 公文 paragraph styles."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from docx.enum.text import WD_ALIGN_PARAGRAPH

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
