"""What the 全省学生资助交叉检查情况通报 says: the cities' figures, typical problems, rectification, rankings.

Every figure comes from :mod:`collect.provincial`; nothing is estimated. A rate never measured is said to be so.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from docx.document import Document

from ..core import documents as gb
from ..core.documents import zh_date
from ..core.documents import zh_numeral
from . import render as rd
from . import wording as w
from .blocks import Blocks
from .wording import SCHOOLS
from .wording import severity_text

if t.TYPE_CHECKING:
    from .collect.provincial import AreaRow
    from .collect.provincial import ProvincialData

# 序号, area, planned, inspected, problems, [severities], closed, closure rate, overdue, overdue rate
FIXED_WIDTHS_MM = (8.0, 0.0, 12.0, 12.0, 12.0)
TAIL_WIDTHS_MM = (12.0, 16.0, 12.0, 16.0)
SEVERITY_WIDTH_MM = 12.0


def provincial_title(campaign_name: str) -> str:
    """关于…情况的通报, without doubling 情况."""
    name = campaign_name.strip()
    return f"关于{name}的通报" if name.endswith("情况") else f"关于{name}情况的通报"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def provincial_context(data: ProvincialData, blocks: Blocks) -> dict[str, t.Any]:
    """Placeholders and blocks of the 通报."""
    return {
        "title": rd.lines("\n".join(gb.split_title(provincial_title(data.campaign_name)))),
        "recipient": data.recipient,
        "org_name": data.org_name,
        "we": w.we(data.org_name),
        "campaign_name": data.campaign_name,
        "campaign_code": data.campaign_code,
        "period": w.period(data.starts_on, data.ends_on),
        "area_word": data.area_word,
        "n_areas": len(data.rows),
        "n_schools": data.total.visits,
        "n_findings": data.total.findings,
        "report_date": zh_date(data.report_date),
        "print_date": zh_date(data.report_date),
        "year": data.report_date.year,
        "photos": False,
        "overview": blocks(lambda d: _write_overview(d, data)),
        "areas": blocks(lambda d: _write_areas(d, data)),
        "problems": blocks(lambda d: _write_problems(d, data)),
        "rectification": blocks(lambda d: _write_rectification(d, data)),
        "ranking": blocks(lambda d: _write_ranking(d, data)),
        "area_table": blocks(lambda d: _write_area_table(d, data)),
    }


def _severities(row: AreaRow, data: ProvincialData) -> str:
    return w.join(f"{severity_text(s)}{row.by_severity[s]}个" for s in data.severities if row.by_severity.get(s))


def _write_overview(document: Document, data: ProvincialData) -> None:
    """一、基本情况: the areas, schools planned and inspected, the problems and their rectification in total."""
    total, as_of = data.total, zh_date(data.report_date)
    text = (f"本次检查覆盖{len(data.rows)}个{data.area_word}，计划检查{SCHOOLS}{total.visits}所，"
            f"截至{as_of}已检查{total.inspected}所")
    text += f"，尚有{data.n_not_inspected}所未检查，以下情况据已检查学校统计。" if data.n_not_inspected else "。"
    gb.add_body(document, text)
    if not total.findings:
        gb.add_body(document, "本次检查未发现需要整改的问题。")
        return
    severity = _severities(total, data)
    gb.add_body(document, (
        f"共发现并确认问题{total.findings}个" + (f"，其中{severity}" if severity else "")
        + f"。已整改销号{total.closed}个，销号率{pct(total.closed_rate)}；未销号{total.open}个，"
        f"其中逾期未完成整改{total.overdue}个，逾期率{pct(total.overdue_rate)}。"))


def _write_areas(document: Document, data: ProvincialData) -> None:
    """二、各地检查情况: one numbered paragraph per area; the table is the attachment."""
    if not data.rows:
        gb.add_body(document, "本次检查尚未安排学校。")
        return
    for number, row in enumerate(data.rows, start=1):
        severity = _severities(row, data)
        body = (f"计划检查{SCHOOLS}{row.visits}所，已检查{row.inspected}所；发现问题{row.findings}个"
                + (f"（{severity}）" if severity else ""))
        if row.findings:
            body += (f"，已整改销号{row.closed}个，销号率{pct(row.closed_rate)}，逾期{row.overdue}个，"
                     f"逾期率{pct(row.overdue_rate)}。")
        else:
            body += "。"
        gb.add_heading(document, f"{number}.{row.name}。", 3, body=body)
    gb.add_body(document, f"各{data.area_word}检查情况统计见附件。")


def _write_problems(document: Document, data: ProvincialData) -> None:
    """三、发现的典型问题: one sub-heading per checklist section, counts by area and typical cases."""
    if not data.total.findings:
        gb.add_body(document, "本次检查未发现需要整改的问题。")
        return
    for number, (name, label) in enumerate(data.sections, start=1):
        heading = label.strip()
        if not heading.endswith("方面"):
            heading += "方面"
        counts = [(row.name, row.by_section.get(name, 0)) for row in data.rows if row.by_section.get(name)]
        body = f"共发现问题{sum(n for _a, n in counts)}个"
        body += f"，其中{w.join(f'{area}{n}个' for area, n in counts)}。" if counts else "。"
        examples = [f"{e.area}{e.school}{w.clause(e.description)}" for e in data.examples.get(name, [])
                    if w.clause(e.description)]
        if examples:
            body += f"典型问题如：{'；'.join(examples)}。"
        gb.add_heading(document, f"（{zh_numeral(number)}）{heading}。", 2, body=body)


def _write_rectification(document: Document, data: ProvincialData) -> None:
    """四、整改情况: the total and each area's closed and overdue problems."""
    total = data.total
    if not total.findings:
        gb.add_body(document, "本次检查未发现需要整改的问题，无整改任务。")
        return
    gb.add_body(document, (
        f"截至{zh_date(data.report_date)}，{total.findings}个问题中，已整改销号{total.closed}个，"
        f"销号率{pct(total.closed_rate)}；未销号{total.open}个，其中逾期未完成整改{total.overdue}个。"))
    parts = [f"{row.name}问题{row.findings}个，已销号{row.closed}个，逾期{row.overdue}个" for row in data.rows
             if row.findings]
    if parts:
        gb.add_body(document, f"分{data.area_word}看，{'；'.join(parts)}。")


def ranked(rows: list[AreaRow], value: Callable[[AreaRow], float | None]) -> list[tuple[int, AreaRow, float]]:
    """Areas with a value, best first; equal values share a rank (1, 1, 3)."""
    measured = sorted(((value(row), row) for row in rows if value(row) is not None),
                      key=lambda pair: -t.cast(float, pair[0]))
    out: list[tuple[int, AreaRow, float]] = []
    for index, (figure, row) in enumerate(measured):
        assert figure is not None
        rank = out[-1][0] if out and out[-1][2] == figure else index + 1
        out.append((rank, row, figure))
    return out


RANKINGS: tuple[tuple[str, Callable[[AreaRow], float | None]], ...] = (
    ("整改销号率", lambda row: row.closed_rate),
    ("政策知晓率", lambda row: row.awareness),
    ("资助精准率", lambda row: row.precision),
    ("群众满意度", lambda row: row.satisfaction),
)


def _write_ranking(document: Document, data: ProvincialData) -> None:
    """五、排名情况: the areas by closure rate and by each of the 两率一度 that was measured."""
    number = 0
    unmeasured = []
    for name, value in RANKINGS:
        order = ranked(data.rows, value)
        if not order:
            unmeasured.append(name)
            continue
        number += 1
        body = "；".join(f"第{rank}名{row.name}（{pct(figure)}）" for rank, row, figure in order) + "。"
        left = [row.name for row in data.rows if value(row) is None]
        if left:
            why = "未发现问题" if name == "整改销号率" else "未测评"
            body += f"{w.join(left)}{why}，不参与排名。"
        gb.add_heading(document, f"（{zh_numeral(number)}）按{name}排名。", 2, body=body)
    if unmeasured:
        gb.add_body(document, f"本次检查{w.join(unmeasured)}尚无测评数据，未作排名。")


def _write_area_table(document: Document, data: ProvincialData) -> None:
    """附件: planned, inspected, problems by severity, closed, closure rate, overdue and overdue rate per area."""
    header = ("序号", data.area_word, "计划\n检查", "已\n检查", "问题", *(severity_text(s) for s in data.severities),
              "已\n销号", "销号率", "逾期", "逾期率")
    widths = w.widths((*FIXED_WIDTHS_MM, *(SEVERITY_WIDTH_MM for _s in data.severities), *TAIL_WIDTHS_MM))

    def cells(row: AreaRow) -> list[str]:
        return [str(row.visits), str(row.inspected), str(row.findings),
                *(str(row.by_severity.get(s, 0)) for s in data.severities),
                str(row.closed), pct(row.closed_rate), str(row.overdue), pct(row.overdue_rate)]

    rows = [[str(i), row.name, *cells(row)] for i, row in enumerate(data.rows, start=1)]
    rows.append(["", "合计", *cells(data.total)])
    aligns = ["center", "left", *["center"] * (len(header) - 2)]
    gb.add_body(document, "单位：所、个")
    gb.add_table(document, header, rows, widths, aligns=aligns, size=gb.SIZE_XIAO4, row_sink=rd.stream_rows)
