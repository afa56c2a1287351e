"""What a school's documents say: the 整改通知书 and the school's 整改情况报告."""

from __future__ import annotations

import typing as t
from collections import Counter
from datetime import date

from docx.document import Document

from ..checklists.models import Severity
from ..core import documents as gb
from ..core.documents import zh_date
from ..core.documents import zh_numeral
from . import wording as w
from .blocks import Blocks
from .wording import NOTHING_FOUND
from .wording import severity_text

if t.TYPE_CHECKING:
    from .collect import SchoolData


def notice_context(data: SchoolData, blocks: Blocks) -> dict[str, t.Any]:
    """Placeholders and blocks of the 整改通知书 for one school."""
    severities = Counter(p.severity for p in data.problems)
    severity = w.join(f"{severity_text(s)}问题{severities[s]}个" for s in reversed(Severity) if severities[s])
    return {
        **_school_common(data),
        "severity_sentence": f"其中{severity}。" if severity and len(severities) > 1 else "",
        "due_note": _due_note(data),
        "inspectors": "、".join(data.inspectors) if data.inspectors else "",
        "problem_list": blocks(lambda d: _write_notice_problems(d, data)),
        "photo_appendix": blocks.photo_appendix(data.photos),
    }


def school_report_context(data: SchoolData, blocks: Blocks) -> dict[str, t.Any]:
    """Placeholders and blocks of a school's 整改情况报告."""
    return {
        **_school_common(data),
        "progress_sentence": _progress_sentence(data),
        "problems": blocks(lambda d: _write_school_problems(d, data)),
        "photo_appendix": blocks.photo_appendix(data.photos),
    }


def _school_common(data: SchoolData) -> dict[str, t.Any]:
    latest = max((p.due_on for p in data.problems if p.due_on), default=data.default_due_on)
    return {
        "org_name": data.org_name,
        "we": w.we(data.org_name),
        "recipient": data.recipient,
        "campaign_name": data.campaign_name,
        "campaign_code": data.campaign_code,
        "checklist_title": data.checklist_title,
        "school_name": data.school_name,
        "school_kind": "园" if data.is_kindergarten else "校",
        "county_name": data.county_name,
        "visit_period": _visit_period(data.visit_dates),
        "n_problems": len(data.problems),
        "n_closed": data.n_closed,
        "due_date": zh_date(latest),
        "report_date": zh_date(data.report_date),
        "print_date": zh_date(data.report_date),
        "year": data.report_date.year,
        "photos": bool(data.photos),
    }


def _visit_period(dates: tuple[date, date] | None) -> str:
    if dates is None:
        return "近期"
    return gb.zh_date_range(*dates)


def _due_note(data: SchoolData) -> str:
    """Problems whose own deadline comes before the last one, named by number."""
    dues = [p.due_on for p in data.problems if p.due_on]
    if not dues or len(set(dues)) == 1:
        return ""
    latest = max(dues)
    earlier: dict[date, list[int]] = {}
    for p in data.problems:
        if p.due_on and p.due_on < latest:
            earlier.setdefault(p.due_on, []).append(p.number)
    parts = [f"第{'、'.join(map(str, numbers))}个问题须于{zh_date(day)}前完成"
             for day, numbers in sorted(earlier.items())]
    return f"其中，{'；'.join(parts)}。"


def _write_notice_problems(document: Document, data: SchoolData) -> None:
    """发现的问题, numbered 1. 2. …, each with its checklist item, policy basis and deadline."""
    if not data.problems:
        gb.add_body(document, NOTHING_FOUND)
        return
    for p in data.problems:
        details = []
        if p.item:
            details.append(f"检查项目：{w.clause(p.item)}")
        if p.policy_basis:
            details.append(f"依据：{w.clause(p.policy_basis)}")
        if p.due_on:
            details.append(f"整改时限：{zh_date(p.due_on)}前")
        body = w.sentence(p.description) + (f"（{'；'.join(details)}）" if details else "")
        gb.add_heading(document, f"{p.number}.", 3, body=body)


def _progress_sentence(data: SchoolData) -> str:
    n = len(data.problems)
    if not n:
        return "检查未发现需要整改的问题。"
    if data.n_closed == n:
        return f"{n}个问题已全部整改到位并经复核销号。"
    states = Counter(p.status for p in data.problems if not p.closed)
    rest = w.join(f"{label}{count}个" for label, count in states.most_common())
    return f"{n}个问题中，已整改销号{data.n_closed}个，{rest}。"


def _write_school_problems(document: Document, data: SchoolData) -> None:
    """二、问题整改情况: problem by problem, the measures taken and the result."""
    if not data.problems:
        gb.add_body(document, NOTHING_FOUND)
        return
    for p in data.problems:
        gb.add_heading(document, f"（{zh_numeral(p.number)}）{w.clause(p.description)}。", 2)
        measures = w.sentence(p.measures) if p.measures else "尚未填报整改措施。"
        if p.responsible:
            measures += f"责任单位（人）：{p.responsible}。"
        gb.add_heading(document, "1.整改措施。", 3, body=measures)
        gb.add_heading(document, "2.整改结果。", 3, body=_result(p))
        if p.evidence_files:
            gb.add_heading(document, "3.佐证材料。", 3, body=f"已在资助督查系统上传佐证材料{p.evidence_files}份。")
        if p.comments:
            gb.add_heading(document, f"{4 if p.evidence_files else 3}.沟通记录。", 3)
            for line in p.comments:
                gb.add_body(document, line)


def _result(p: t.Any) -> str:
    if p.closed:
        text = f"已整改到位，于{zh_date(p.closed_on)}经复核销号。" if p.closed_on else "已整改到位，经复核销号。"
        return text + (f"复核意见：{w.sentence(p.verify_note)}" if p.verify_note else "")
    if p.status == "已整改待复核":
        when = f"于{zh_date(p.submitted_on)}" if p.submitted_on else ""
        return f"已完成整改，{when}提交复核，等待复核销号。"
    due = f"计划于{zh_date(p.due_on)}前完成。" if p.due_on else ""
    if p.overdue:
        return f"尚未完成整改，已超过整改时限（{zh_date(p.due_on)}），正在加紧整改。"
    return f"正在整改（{p.status}），{due}" if due else f"正在整改（{p.status}）。"

