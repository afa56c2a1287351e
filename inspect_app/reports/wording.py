"""The sentences and small phrasings every report shares: names, dates, shares, 两率一度.

The document kinds (:mod:`docx`, :mod:`docx_school`, :mod:`docx_monthly`) build their paragraphs
from these, so that a figure reads the same way in every document.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from ..checklists.models import Severity
from ..core import documents as gb
from ..core.documents import zh_date

if t.TYPE_CHECKING:
    from ..surveys.rates import Rate
    from .collect.rates import RatesData

SCHOOLS = "学校（幼儿园）"
COUNTIES = "县（市、区）"
NOTHING_FOUND = "本次检查未发现需要整改的问题。"


def severity_text(severity: Severity) -> str:
    """A finding's severity as the documents write it: 一般, 较重 or 严重.

    The report data carry the :class:`Severity` itself; this is the one place a report turns it into words.
    """
    return severity.zh


def report_title(campaign_name: str) -> str:
    """关于…情况的报告, without doubling 情况 when the campaign name already ends with it."""
    name = campaign_name.strip()
    if name.endswith("情况"):
        return f"关于{name}的报告"
    return f"关于{name}情况的报告"



def unfinished_note(as_of: date, inspected: int, pending: int) -> str:
    """What a report of an unfinished campaign says before its figures: they cover the schools inspected."""
    if not pending:
        return ""
    if not inspected:
        return f"截至{zh_date(as_of)}，尚无{SCHOOLS}完成检查，{pending}所均未检查。"
    return f"截至{zh_date(as_of)}，已检查{inspected}所，尚有{pending}所未检查，以下情况据已检查学校统计。"



def _share(value: float) -> str:
    """A share (0–1) as a percentage with one decimal: 92.3%."""
    return f"{100 * value:.1f}%"


def _target(rates: RatesData) -> str:
    return f"{100 * rates.target:g}%"


def _survey_rate(name: str, rate: Rate, sample: str, unit: str) -> str:
    """政策知晓率92.3%（有效样本312人，95%置信区间89.0%～94.7%）, or why there is none."""
    if rate.value is None or rate.interval is None:
        return f"{name}无有效{sample}，未计算"
    low, high = rate.interval
    return f"{name}{_share(rate.value)}（有效{sample}{rate.n}{unit}，95%置信区间{_share(low)}～{_share(high)}）"


def rates_sentences(rates: RatesData) -> list[str]:
    """两率一度 as measured: each survey round's two rates with n and interval, the roster checks' precision.

    Without a survey round or a roster check the report says so; it never gives a figure not measured.
    """
    out: list[str] = []
    target = _target(rates)
    if not rates.surveys:
        out.append("本次检查未开展政策知晓率和群众满意度测评。")
    for s in rates.surveys:
        out.append(f"{s.title}共收回问卷{s.respondents}份，"
                   + _survey_rate("政策知晓率", s.awareness, "样本", "人") + "；"
                   + _survey_rate("群众满意度", s.satisfaction, "回答", "个") + "。")
        low = [name for name, r in (("政策知晓率", s.awareness), ("群众满意度", s.satisfaction)) if r.below_target]
        if low:
            out.append(f"{'、'.join(low)}低于{target}。")
        if s.awareness.small_sample:
            out.append(f"受访人数少于最低样本量{s.min_size}人，结果仅供参考。")
    p = rates.precision
    if p is None or p.rate is None:
        out.append(f"{rates.term or '本学期'}尚无资助名单核对结果，未计算资助精准率。")
    else:
        text = f"据{p.semester}资助名单核对，抽查受助对象{p.paid}人，核实准确{p.precise}人，资助精准率{p.rate:.1f}%"
        if p.entitled and p.missed_rate is not None:
            text += f"；特殊群体应助{p.entitled}人，未获资助{p.uncovered or 0}人，漏助率{p.missed_rate:.1f}%"
        out.append(text + "。")
        if p.rate < 100 * rates.target:
            out.append(f"资助精准率低于{target}。")
    return out


def monthly_rates_sentence(rates: RatesData) -> str:
    """The 月报's short 两率一度 line of a campaign."""
    parts = []
    for s in rates.surveys:
        for name, rate in (("政策知晓率", s.awareness), ("群众满意度", s.satisfaction)):
            parts.append(f"{name}{_share(rate.value)}（n={rate.n}）" if rate.value is not None else f"{name}未计算")
    if not rates.surveys:
        parts.append("未开展满意度测评")
    p = rates.precision
    parts.append(f"资助精准率{p.rate:.1f}%（抽查{p.paid}人）" if p is not None and p.rate is not None
                 else "资助精准率未计算（无名单核对结果）")
    return "两率一度：" + "，".join(parts) + "。"


def table_date(day: date | None) -> str:
    if day is None:
        return "—"
    return f"{day.year}年\n{day.month}月{day.day}日"


def widths(millimetres: Iterable[float]) -> list[int]:
    """Column widths in twips; the single 0 entry takes whatever the type-area width leaves."""
    widths = [round(mm * 1440 / 25.4) for mm in millimetres]
    widths[widths.index(0)] = gb.TEXT_WIDTH - sum(widths)
    return widths


def period(starts_on: date | None, ends_on: date | None) -> str:
    """于2026年10月8日至10月31日, or the part of it that is known."""
    if starts_on and ends_on:
        return f"于{gb.zh_date_range(starts_on, ends_on)}"
    if starts_on:
        return f"自{zh_date(starts_on)}起"
    if ends_on:
        return f"于{zh_date(ends_on)}前"
    return ""


def we(org_name: str) -> str:
    """How the issuing body refers to itself: 我中心, 我局 or 我单位."""
    for suffix in ("中心", "局", "厅", "委"):
        if org_name.endswith(suffix):
            return f"我{suffix}"
    return "我单位"


def join(items: Iterable[str]) -> str:
    return "、".join(item for item in items if item)


def percent(part: int, whole: int) -> str:
    if not whole:
        return "0%"
    value = 100 * part / whole
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def number(value: Decimal) -> str:
    """A score with at most one decimal, without trailing zeros: 98.5, 100."""
    rounded = Decimal(value).quantize(Decimal("0.1"))
    return f"{rounded:f}".rstrip("0").rstrip(".") if "." in f"{rounded:f}" else f"{rounded:f}"


def clause(text: str) -> str:
    return text.strip().rstrip("。，；、：.,;: ")


def sentence(text: str) -> str:
    """A text ending with a full stop."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "）")) else f"{clause(text)}。"
