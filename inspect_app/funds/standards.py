"""The funding standards as a plain value the roster checks can use without a database.

A standard says how much one student of a programme receives per semester at one tier,
from a semester on (``effective_from``) until a later row of the same programme takes over.
Tier 1 is the highest. Amounts are whole fen (integers), so that sums are exact.
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from dataclasses import dataclass
from decimal import Decimal

from .programmes import Programme
from .programmes import Semester
from .programmes import parse_semester

# The figures of funding-and-ids.md §2, per semester in yuan: (programme, effective from, tier amounts, basis).
SHIPPED: list[tuple[Programme, str, tuple[str, ...], str]] = [
    (Programme.SENIOR, "2010秋", ("1250", "1000", "750"),
     "普通高中国家助学金平均每生每年2000元，分档由地方确定；1250/1000/750元每学期三档系据来源报告"
     "（27187人27,692,750元）推算【推断】，请按本地文件核改。"),
    (Programme.SENIOR, "2025春", ("1750", "1100", "600"),
     "2025年春季学期起平均每生每年2300元；档次例：砀山县每年3500/2200/1200元，请按本地文件核改。"),
    (Programme.VOCATIONAL, "2010秋", ("1000",), "中职国家助学金每生每年2000元。"),
    (Programme.VOCATIONAL, "2025春", ("1150",), "2025年春季学期起平均每生每年2300元（三年级纳入）。"),
    (Programme.JUNIOR_BOARDING, "2010秋", ("625",),
     "义务教育家庭经济困难寄宿生生活补助国家基础标准：初中每生每年1250元。"),
    (Programme.JUNIOR_BOARDING, "2024春", ("750",), "2024年春季学期起初中每生每年1500元（财政部2024年5月）。"),
    (Programme.PRIMARY_BOARDING, "2010秋", ("500",),
     "义务教育家庭经济困难寄宿生生活补助国家基础标准：小学每生每年1000元。"),
    (Programme.PRIMARY_BOARDING, "2024春", ("625",), "2024年春季学期起小学每生每年1250元（财政部2024年5月）。"),
    (Programme.PRESCHOOL, "2011秋", ("375",), "陕西学前一年每生每年750元（3元/天×250天，陕财办教〔2011〕172号）。"),
]


@dataclass(frozen=True)
class Standard:
    programme: Programme
    tier: int
    cents: int
    effective_key: int
    basis: str = ""

    @property
    def effective_from(self) -> Semester:
        return Semester.from_key(self.effective_key)

    @property
    def amount(self) -> Decimal:
        return Decimal(self.cents) / 100


class StandardsTable:
    """Look up the tiers in force for a programme in a semester."""

    def __init__(self, standards: t.Iterable[Standard]) -> None:
        self.standards = sorted(standards, key=lambda s: (list(Programme).index(s.programme), s.effective_key,
                                                          s.tier))

    def tiers(self, programme: Programme, semester: Semester) -> list[Standard]:
        """The standards of the latest version effective on or before ``semester``, tier 1 first."""
        versions = [s.effective_key for s in self.standards
                    if s.programme == programme and s.effective_key <= semester.key]
        if not versions:
            return []
        latest = max(versions)
        return [s for s in self.standards if s.programme == programme and s.effective_key == latest]

    def top_cents(self, programme: Programme, semester: Semester) -> int | None:
        tiers = self.tiers(programme, semester)
        return max(s.cents for s in tiers) if tiers else None

    def to_json(self) -> list[dict[str, t.Any]]:
        return [{"programme": s.programme.value, "tier": s.tier, "cents": s.cents,
                 "effective_from": str(s.effective_from), "basis": s.basis} for s in self.standards]

    @classmethod
    def from_json(cls, rows: t.Iterable[dict[str, t.Any]]) -> StandardsTable:
        out = []
        for row in rows:
            semester = parse_semester(row["effective_from"])
            assert semester is not None
            out.append(Standard(Programme(row["programme"]), int(row["tier"]), int(row["cents"]), semester.key,
                                row.get("basis", "")))
        return cls(out)

    @classmethod
    def shipped(cls) -> StandardsTable:
        out = []
        for programme, effective, amounts, basis in SHIPPED:
            semester = parse_semester(effective)
            assert semester is not None
            for tier, amount in enumerate(amounts, start=1):
                out.append(Standard(programme, tier, int(Decimal(amount) * 100), semester.key, basis))
        return cls(out)

    def fingerprint(self) -> str:
        """A short hash of the figures (not the wording), naming the rules a run was checked against."""
        figures = [(s.programme.value, s.effective_key, s.tier, s.cents) for s in self.standards]
        return hashlib.sha256(json.dumps(figures).encode()).hexdigest()[:8]

    def __len__(self) -> int:
        return len(self.standards)
