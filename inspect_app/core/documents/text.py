"""Text as 公文 write it: dates, heading numerals, title breaks; widths counted in 3号 characters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

TITLE_BREAK_AFTER = ("年", "年度", "学期", "季度", "工作", "检查", "督查", "督导", "情况")

_ZH_DIGITS = "零一二三四五六七八九"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
