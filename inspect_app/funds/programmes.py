"""The aid programmes, the fund lines money is allocated to, its sources, and semesters.

These are the structure of the policy, not its figures: the amounts per semester live in
the standards table (:class:`inspect_app.funds.models.FundingStandard`), which is data.
Nothing here touches the database, so the roster checks can use it as pure functions.
"""

from __future__ import annotations

import re
import typing as t
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Programme(StrEnum):
    """A programme paid per student per semester (资助项目)."""

    SENIOR = "senior"
    VOCATIONAL = "vocational"
    JUNIOR_BOARDING = "junior_boarding"
    PRIMARY_BOARDING = "primary_boarding"
    PRESCHOOL = "preschool"

    @property
    def zh(self) -> str:
        """The programme's name in rosters, exports and reports, whatever the UI language."""
        return PROGRAMME_ZH[self]

    @property
    def label(self) -> str:
        return str(PROGRAMME_LABELS[self])

    @property
    def level_zh(self) -> str:
        return PROGRAMME_LEVEL_ZH[self]

    @property
    def fund_line(self) -> FundLine:
        return PROGRAMME_FUND_LINE[self]

    @property
    def ages(self) -> tuple[int, int]:
        """The plausible ages (whole years at the start of the semester) of its students."""
        return PROGRAMME_AGES[self]


PROGRAMME_ZH = {
    Programme.SENIOR: "普通高中国家助学金",
    Programme.VOCATIONAL: "中职国家助学金",
    Programme.JUNIOR_BOARDING: "初中寄宿生生活补助",
    Programme.PRIMARY_BOARDING: "小学寄宿生生活补助",
    Programme.PRESCHOOL: "学前教育幼儿资助",
}
PROGRAMME_LABELS = {
    Programme.SENIOR: _l("Senior secondary state grant"),
    Programme.VOCATIONAL: _l("Vocational state grant"),
    Programme.JUNIOR_BOARDING: _l("Junior boarders' living allowance"),
    Programme.PRIMARY_BOARDING: _l("Primary boarders' living allowance"),
    Programme.PRESCHOOL: _l("Preschool aid"),
}
PROGRAMME_LEVEL_ZH = {
    Programme.SENIOR: "高中",
    Programme.VOCATIONAL: "中职",
    Programme.JUNIOR_BOARDING: "初中",
    Programme.PRIMARY_BOARDING: "小学",
    Programme.PRESCHOOL: "学前",
}
# funding-and-ids.md §3: 幼 3–6, 小 6–13, 初 12–16, 高/中职 15–20 (outliers are flagged, not refused).
PROGRAMME_AGES = {
    Programme.SENIOR: (15, 20),
    Programme.VOCATIONAL: (15, 20),
    Programme.JUNIOR_BOARDING: (12, 16),
    Programme.PRIMARY_BOARDING: (6, 13),
    Programme.PRESCHOOL: (3, 6),
}


class FundLine(StrEnum):
    """A budget line money is allocated to (资金项目); the boarding allowance covers two programmes."""

    VOCATIONAL = "vocational"
    SENIOR = "senior"
    BOARDING = "boarding"
    PRESCHOOL = "preschool"

    @property
    def zh(self) -> str:
        return FUND_LINE_ZH[self]

    @property
    def label(self) -> str:
        return str(FUND_LINE_LABELS[self])

    @property
    def programmes(self) -> list[Programme]:
        return [p for p in Programme if p.fund_line == self]


FUND_LINE_ZH = {
    FundLine.VOCATIONAL: "中职助学金",
    FundLine.SENIOR: "普通高中国家助学金",
    FundLine.BOARDING: "义务教育阶段家庭经济困难寄宿生生活补助",
    FundLine.PRESCHOOL: "家庭经济困难幼儿生活补助",
}
FUND_LINE_LABELS = {
    FundLine.VOCATIONAL: _l("Vocational state grant"),
    FundLine.SENIOR: _l("Senior secondary state grant"),
    FundLine.BOARDING: _l("Boarders' living allowance (compulsory education)"),
    FundLine.PRESCHOOL: _l("Preschool aid"),
}
PROGRAMME_FUND_LINE = {
    Programme.SENIOR: FundLine.SENIOR,
    Programme.VOCATIONAL: FundLine.VOCATIONAL,
    Programme.JUNIOR_BOARDING: FundLine.BOARDING,
    Programme.PRIMARY_BOARDING: FundLine.BOARDING,
    Programme.PRESCHOOL: FundLine.PRESCHOOL,
}


class FundSource(StrEnum):
    """Which level of government the money comes from. Reports often give 中省 as one figure."""

    CENTRAL = "central"
    PROVINCIAL = "provincial"
    CENTRAL_PROVINCIAL = "central_provincial"
    CITY = "city"
    COUNTY = "county"

    @property
    def zh(self) -> str:
        return FUND_SOURCE_ZH[self]

    @property
    def label(self) -> str:
        return str(FUND_SOURCE_LABELS[self])

    @property
    def central_or_provincial(self) -> bool:
        """Central or provincial money (中省资金)."""
        return self in (FundSource.CENTRAL, FundSource.PROVINCIAL, FundSource.CENTRAL_PROVINCIAL)


FUND_SOURCE_ZH = {
    FundSource.CENTRAL: "中央",
    FundSource.PROVINCIAL: "省级",
    FundSource.CENTRAL_PROVINCIAL: "中省",
    FundSource.CITY: "市级",
    FundSource.COUNTY: "县级",
}
FUND_SOURCE_LABELS = {
    FundSource.CENTRAL: _l("Central"),
    FundSource.PROVINCIAL: _l("Provincial"),
    FundSource.CENTRAL_PROVINCIAL: _l("Central and provincial"),
    FundSource.CITY: _l("City"),
    FundSource.COUNTY: _l("County"),
}


def fold(text: str) -> str:
    """Full-width to half-width (NFKC), no blanks: how headers, names and codes are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_HALF = {**{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}, 0x3000: None, 0x20: None, 0x09: None, 0x0A: None,
         0x0D: None, 0xA0: None}


def fold_series(series: t.Any) -> t.Any:
    """:func:`fold` for a whole pandas column of text: full-width ASCII to half-width, blanks removed."""
    return series.astype(str).str.translate(_HALF)


# Keyword rules for the names programmes go by in rosters and system exports, first match wins.
_PROGRAMME_RULES: list[tuple[tuple[str, ...], Programme]] = [
    (("学前", "幼儿", "幼儿园"), Programme.PRESCHOOL),
    (("中职", "中等职业", "职业"), Programme.VOCATIONAL),
    (("高中",), Programme.SENIOR),
]
_LEVEL_PROGRAMME = {
    "学前": Programme.PRESCHOOL, "幼儿园": Programme.PRESCHOOL, "小学": Programme.PRIMARY_BOARDING,
    "初中": Programme.JUNIOR_BOARDING, "高中": Programme.SENIOR, "普通高中": Programme.SENIOR,
    "中职": Programme.VOCATIONAL,
}


def parse_programme(text: str, level: str = "") -> Programme | None:
    """Recognise a programme from its name in a roster; the level (学段) settles 寄宿生 alone."""
    name = fold(text)
    if not name:
        return None
    for member in Programme:
        if name in (member.value, member.zh):
            return member
    for keywords, programme in _PROGRAMME_RULES:
        if any(k in name for k in keywords):
            return programme
    if "寄宿" in name or "生活补助" in name:
        if "初中" in name:
            return Programme.JUNIOR_BOARDING
        if "小学" in name:
            return Programme.PRIMARY_BOARDING
        by_level = _LEVEL_PROGRAMME.get(fold(level))
        if by_level in (Programme.JUNIOR_BOARDING, Programme.PRIMARY_BOARDING):
            return by_level
    if "国家助学金" in name or name == "助学金":
        by_level = _LEVEL_PROGRAMME.get(fold(level))
        if by_level in (Programme.SENIOR, Programme.VOCATIONAL):
            return by_level
    return None


@dataclass(frozen=True, order=True)
class Semester:
    """A semester: spring (春季学期, from March) or autumn (秋季学期, from September) of a year."""

    year: int
    autumn: bool

    def __str__(self) -> str:
        return f"{self.year}{'秋' if self.autumn else '春'}"

    @property
    def key(self) -> int:
        """A number that orders semesters: 2023春 < 2023秋 < 2024春."""
        return self.year * 2 + int(self.autumn)

    @property
    def long_zh(self) -> str:
        return f"{self.year}年{'秋季' if self.autumn else '春季'}学期"

    @property
    def starts_on(self) -> date:
        return date(self.year, 9 if self.autumn else 3, 1)

    @property
    def previous(self) -> Semester:
        return Semester(self.year, False) if self.autumn else Semester(self.year - 1, True)

    @classmethod
    def from_key(cls, key: int) -> Semester:
        return cls(key // 2, bool(key % 2))

    @classmethod
    def containing(cls, day: date) -> Semester:
        """The semester a date falls in: February to July is spring, the rest autumn."""
        if day.month == 1:
            return cls(day.year - 1, True)
        return cls(day.year, day.month >= 8)


_SEMESTER = re.compile(r"^(\d{4})年?(?:度)?[-_/]?(春|秋|春季|秋季|spring|autumn|fall)(?:学期)?$", re.IGNORECASE)
_ACADEMIC = re.compile(r"^(\d{4})[-—–~至](\d{4})学年(?:度)?第?([一二12])学期$")


def parse_semester(text: t.Any) -> Semester | None:
    """Read a semester as rosters write it: 2023春, 2023年春季学期, 2023-2024学年第一学期 …"""
    value = fold(str(text or "")).lower()
    match = _SEMESTER.match(value)
    if match:
        return Semester(int(match[1]), match[2] in ("秋", "秋季", "autumn", "fall"))
    match = _ACADEMIC.match(value)
    if match and int(match[2]) == int(match[1]) + 1:
        first = match[3] in ("一", "1")
        return Semester(int(match[1]), True) if first else Semester(int(match[2]), False)
    return None
