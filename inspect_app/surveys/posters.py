"""A school's A4 poster for a survey round: the QR code of its link, as .png and as .docx."""

from __future__ import annotations

import io
import typing as t
from pathlib import Path

import docx
import qrcode
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.shared import Pt
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont
from qrcode.constants import ERROR_CORRECT_M

from .models import SurveyLink

# Fonts with Chinese glyphs for the .png poster, tried in order.
POSTER_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
# A4 at 150 dpi.
PAGE = (1240, 1754)
HEADLINE = "学生资助政策知晓度与满意度调查"
INVITATION = "请同学们和家长用手机扫描二维码，匿名填写问卷（约2分钟）"
PRIVACY = "问卷不收集姓名、班级、电话等个人信息；每部手机填写一次。"


def qr_png(url: str, *, box: int = 10) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box, border=4)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out)
    return out.getvalue()


def _font(size: int) -> t.Any:
    for path in POSTER_FONTS:
        if Path(path).is_file():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def _lines(link: SurveyLink, url: str) -> list[tuple[str, int]]:
    survey = link.round
    return [
        (HEADLINE, 64),
        (link.school.name, 52),
        (INVITATION, 34),
        (f"填写时间：{survey.opens_on.isoformat()} 至 {survey.closes_on.isoformat()}", 34),
        (PRIVACY, 30),
        (url, 28),
        (f"组织实施：{survey.collector}", 30),
    ]


def poster_png(link: SurveyLink, url: str) -> bytes:
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    lines = _lines(link, url)
    y = 120
    for text, size in lines[:3]:
        font = _font(size)
        width = draw.textlength(text, font=font)
        draw.text(((PAGE[0] - width) / 2, y), text, fill="black", font=font)
        y += size + 40
    code = Image.open(io.BytesIO(qr_png(url, box=18))).convert("RGB")
    side = min(code.width, 820)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    page.paste(code, ((PAGE[0] - side) // 2, y + 20))
    y += side + 80
    for text, size in lines[3:]:
        font = _font(size)
        width = draw.textlength(text, font=font)
        draw.text(((PAGE[0] - width) / 2, y), text, fill="black", font=font)
        y += size + 28
    out = io.BytesIO()
    page.save(out, "PNG")
    return out.getvalue()


def poster_docx(link: SurveyLink, url: str) -> bytes:
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.5)
    lines = _lines(link, url)

    def add(text: str, size: int, bold: bool = False) -> None:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = bold
        run.font.size = Pt(size)
        run.font.name = "SimHei" if bold else "FangSong"
        run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), run.font.name)

    add(lines[0][0], 26, bold=True)
    add(lines[1][0], 20, bold=True)
    add(lines[2][0], 15)
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.add_run().add_picture(io.BytesIO(qr_png(url)), width=Cm(11))
    for text, _size in lines[3:]:
        add(text, 14 if text != url else 11)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
