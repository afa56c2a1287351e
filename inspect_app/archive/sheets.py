"""The workbooks an archive writes: its index (目录), each visit's scored checklist, the problems, the roster checks."""

from __future__ import annotations

import io
import typing as t
from collections.abc import Iterable
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.styles import Font

from ..campaigns.models import Visit
from ..checklists.models import SEVERITY_ZH
from ..checklists.models import pick_label
from ..core.spreadsheets import neutralise
from ..db import LOCAL_TZ
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingComment
from ..publicity.models import PublicNotice
from ..rectification.models import RECTIFICATION_STATUS_ZH
from ..rosters import services as rosters
from ..rosters.models import Discrepancy
from ..rosters.models import ReconciliationRun
from ..schools.models import School
from ..visits.scoring import FAIL
from ..visits.scoring import NA
from ..visits.scoring import PASS
from ..visits.scoring import UNANSWERED
from ..visits.scoring import VisitScore

OUTCOME_ZH = {PASS: "符合", FAIL: "不符合", NA: "不适用", UNANSWERED: "未检查"}
Sheet = tuple[str, list[str], Iterable[list[t.Any]], list[int]]


def workbook(sheets: list[Sheet]) -> bytes:
    """Sheets of a heading row and data rows, text that looks like a formula neutralised."""
    book = Workbook(write_only=True)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for title, headers, rows, widths in sheets:
        sheet = book.create_sheet(title[:31])
        for column, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + column)].width = width
        sheet.freeze_panes = "A2"
        head = []
        for text in headers:
            cell = _cell(sheet, text)
            cell.font = bold
            head.append(cell)
        sheet.append(head)
        for row in rows:
            cells = []
            for value in row:
                cell = _cell(sheet, neutralise(value))
                cell.alignment = wrap
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, datetime) else "yyyy-mm-dd"
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: t.Any, value: t.Any) -> t.Any:
    return WriteOnlyCell(sheet, value=value)


def _local(moment: datetime | None) -> datetime | None:
    """A moment as Asia/Shanghai wall time (spreadsheets hold no time zone)."""
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None) if moment is not None else None


def visit_sheet(visit: Visit, score: VisitScore | None) -> bytes:
    """One visit's checklist as scored: each assessed item, its outcome and weight; the sections' and total scores."""
    rows: list[list[t.Any]] = []
    summary: list[list[t.Any]] = [
        ["学校", visit.school.name], ["检查批次", visit.campaign.name],
        ["检查组", visit.team.name if visit.team else ""],
        ["计划日期", visit.planned_on], ["提交时间", _local(visit.submitted_at)],
    ]
    if score is not None:
        for section in score.sections:
            for item in section.items:
                if item.outcome in OUTCOME_ZH:
                    rows.append([section.label, item.item.name, pick_label(item.item.label, "zh"),
                                 OUTCOME_ZH[item.outcome], item.weight, "是" if item.item.veto else ""])
            summary.append([f"{section.label}得分", section.score])
        summary += [["总分", score.score], ["满分", score.full_marks], ["一票否决", "是" if score.vetoed else "否"]]
    return workbook([
        ("检查评分表", ["栏目", "编号", "检查项目", "结论", "分值", "一票否决项"], rows, [18, 8, 60, 10, 8, 10]),
        ("得分", ["项目", "内容"], summary, [20, 40]),
    ])


def _category(finding: Finding) -> str:
    item = finding.item
    if item is None:
        return ""
    section = pick_label(item.section.label, "zh") if item.section else ""
    return f"{section} {item.name}".strip()


def problem_sheet(findings: list[Finding], comments: dict[int, list[FindingComment]],
                  files: dict[int, list[str]]) -> bytes:
    """The school's confirmed problems with their rectification, review, comments and the files in the archive."""
    rows = []
    for finding in findings:
        rect = finding.rectification
        talk = "\n".join(f"{c.author.display_name}：{c.body}" for c in comments.get(finding.id, []))
        rows.append([
            finding.reference, finding.campaign.name,
            _category(finding),
            finding.description, SEVERITY_ZH[finding.severity],
            rect.due_on if rect else None, rect.measures if rect else None,
            "、".join(filter(None, (rect.responsible_unit, rect.responsible_person))) if rect else None,
            RECTIFICATION_STATUS_ZH[rect.status] if rect else None,
            (rect.verify_note or "") if rect else None, rect.closed_on if rect else None,
            "\n".join(files.get(finding.id, [])), talk,
        ])
    return workbook([("问题清单与整改情况", [
        "问题编号", "检查批次", "问题类别", "问题描述", "严重程度", "整改时限", "整改措施", "责任单位/责任人",
        "整改状态", "复核意见", "销号日期", "档案中的材料", "意见交流"], rows,
        [14, 22, 16, 40, 8, 12, 40, 18, 12, 24, 12, 40, 40])])


def objection_sheet(notice: PublicNotice) -> bytes:
    """The objections raised during a 公示, with their handling and outcome."""
    rows = [[o.received_on, o.raised_by or "", o.content, o.handling or "", o.outcome.label,
             _local(o.handled_at)] for o in notice.objections]
    return workbook([("异议及处理", ["收到日期", "提出人", "异议内容", "处理情况", "结果", "处理时间"], rows,
                      [12, 14, 40, 40, 10, 18])])


def roster_sheet(run: ReconciliationRun, school: School) -> bytes:
    """A roster check's discrepancies at ``school``, every resident ID number masked."""
    found = db.session.scalars(sa.select(Discrepancy).where(
        Discrepancy.run_id == run.id, Discrepancy.school_id == school.id).order_by(Discrepancy.id)).all()
    return rosters.export_run(run, found, viewer=None)
