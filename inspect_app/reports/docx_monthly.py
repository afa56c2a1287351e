"""What the 月报 says: the month's work, every campaign's progress, the overdue problems and the audit anchor."""

from __future__ import annotations

import typing as t

from docx.document import Document

from ..core import documents as gb
from ..core.documents import zh_date
from ..core.documents import zh_numeral
from . import render as rd
from . import wording as w
from .blocks import Blocks
from .wording import COUNTIES
from .wording import monthly_rates_sentence
from .wording import unfinished_note

if t.TYPE_CHECKING:
    from .collect import MonthlyData

PROGRESS_HEADER = ("序号", "{name}", "学校\n（所）", "已检查\n（所）", "已审核\n（所）", "问题\n（个）",
                   "已销号\n（个）", "本月\n销号", "未销号\n（个）", "逾期\n（个）")
PROGRESS_WIDTHS_MM = (10.0, 0.0, 13.5, 13.5, 13.5, 13.5, 13.5, 13.5, 13.5, 13.5)


def monthly_context(data: MonthlyData, blocks: Blocks) -> dict[str, t.Any]:
    return {
        "org_name": data.org_name,
        "we": w.we(data.org_name),
        "recipient": data.recipient,
        "month_label": f"{data.year}年{data.month}月",
        "report_date": zh_date(data.report_date),
        "print_date": zh_date(data.report_date),
        "year": data.report_date.year,
        "n_campaigns": len(data.campaigns),
        "overview": blocks(lambda d: _write_monthly_overview(d, data)),
        "campaigns": blocks(lambda d: _write_monthly_campaigns(d, data)),
        "overdue": blocks(lambda d: _write_monthly_overdue(d, data)),
        "campaign_table": blocks(lambda d: _write_progress_table(d, data.campaigns, data.total, "检查批次")),
        "county_table": blocks(lambda d: _write_progress_table(d, data.counties, data.total, COUNTIES)),
    }


def _write_monthly_overview(document: Document, data: MonthlyData) -> None:
    t_ = data.total
    as_of = zh_date(data.as_of)
    gb.add_body(document, (
        f"{data.month}月，{w.we(data.org_name)}共跟踪检查批次{len(data.campaigns)}个，"
        f"审核确认学校检查{t_.visits_done_in_month}所，新确认问题{t_.findings_in_month}个，"
        f"整改销号{t_.closed_in_month}个。"
    ))
    note = unfinished_note(data.as_of, t_.inspected, t_.not_inspected)
    if note:
        gb.add_body(document, note)
    gb.add_body(document, (
        f"截至{as_of}，各批次共安排检查学校{t_.schools}所，{_inspected(t_)}"
        f"累计确认问题{t_.findings}个，已整改销号{t_.closed}个，销号率{w.percent(t_.closed, t_.findings)}；"
        f"未销号{t_.open}个，其中逾期{t_.overdue}个。"
    ))


def _inspected(row: t.Any) -> str:
    """已检查N所（其中审核确认M所），尚有K所未检查 — a school not inspected is never counted as done."""
    text = f"已检查{row.inspected}所（其中审核确认{row.visits_done}所）"
    return text + (f"，尚有{row.not_inspected}所未检查；" if row.not_inspected else "；")


def _write_monthly_campaigns(document: Document, data: MonthlyData) -> None:
    if not data.campaigns:
        gb.add_body(document, "本月无检查批次。")
        return
    for number, row in enumerate(data.campaigns, start=1):
        gb.add_heading(document, f"（{zh_numeral(number)}）{row.name}。", 2, body=(
            f"检查学校{row.schools}所，{_inspected(row)}本月审核确认{row.visits_done_in_month}所；"
            f"确认问题{row.findings}个（本月新增{row.findings_in_month}个），已销号{row.closed}个"
            f"（本月{row.closed_in_month}个），未销号{row.open}个，其中逾期{row.overdue}个。"
            + (monthly_rates_sentence(row.rates) if row.rates is not None else "")
        ))


def _write_monthly_overdue(document: Document, data: MonthlyData) -> None:
    if not data.overdue:
        gb.add_body(document, f"截至{zh_date(data.as_of)}，无逾期未整改问题。")
    else:
        gb.add_body(document, f"截至{zh_date(data.as_of)}，逾期未整改问题{len(data.overdue)}个：")
        for number, row in enumerate(data.overdue, start=1):
            gb.add_heading(document, f"{number}.", 3, body=(
                f"{row.county}{row.school}：{w.clause(row.description)}（{row.campaign}；整改时限"
                f"{zh_date(row.due_on)}，已逾期{row.days_late}天，{row.status}）。"
            ))
    if data.audit_hash:
        gb.add_body(document, (
            f"本报告生成时，系统操作日志共{data.audit_entries}条，末条记录校验值（SHA-256）为{data.audit_hash}，"
            "可据此核验操作日志未被改动。"
        ))


def _write_progress_table(document: Document, rows: list[t.Any], total: t.Any, name: str) -> None:
    header = tuple(h.format(name=name) for h in PROGRESS_HEADER)
    cells = [
        [str(i), r.name, *_progress_cells(r)] for i, r in enumerate(rows, start=1)
    ]
    cells.append(["", "合计", *_progress_cells(total)])
    aligns = ["center", "left", *["center"] * 8]
    gb.add_table(document, header, cells, w.widths(PROGRESS_WIDTHS_MM), aligns=aligns, size=gb.SIZE_XIAO4,
                 row_sink=rd.stream_rows)


def _progress_cells(row: t.Any) -> list[str]:
    return [str(n) for n in (row.schools, row.inspected, row.visits_done, row.findings, row.closed,
                             row.closed_in_month, row.open, row.overdue)]

