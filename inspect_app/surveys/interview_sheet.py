"""The interviewer's call sheet (电话回访表) as a workbook: how the sample was drawn, then one row per call.

ID numbers are only ever stored masked; every cell goes through ``neutralise``, so that a name or a note
that looks like a formula stays text.
"""

from __future__ import annotations

import typing as t

from openpyxl import Workbook

from ..core.downloads import safe_row
from ..extensions import db
from .interviews import calls_query
from .models import SurveyRound

CALL_HEADERS = ["序号", "区县", "学校", "学校标识码", "学段", "类别", "姓名", "年级", "身份证号（隐去）", "监护人电话",
                "结果", "拨打次数", "备注"]
# Rows read at a time: the sheet never holds every call in memory.
CHUNK = 500


def _about(survey: SurveyRound) -> list[tuple[str, t.Any]]:
    frame = survey.interview_frame or {}
    files = "；".join(f"{f['name']}（{f['kind']}，SHA-256 {f['sha256']}）" for f in frame.get("files", []))
    return [
        ("调查轮次", survey.title), ("检查批次", survey.campaign.label),
        ("抽样框", f"资助名单核查 #{frame.get('run')} {frame.get('title', '')} {frame.get('semester', '')}"),
        ("名单文件", files),
        ("抽样框人数", f"{frame.get('people', 0)}（受助 {frame.get('recipients', 0)}，未受助 "
                       f"{frame.get('non_recipients', 0)}）"),
        ("分层", "学校 × 学段 × 受助/未受助，按人数比例分配，每层不少于最低数"),
        ("计划样本量", frame.get("size")), ("每层最低", frame.get("minimum")),
        ("随机种子", survey.interview_seed), ("抽中人数", frame.get("drawn")),
        ("抽样日期", frame.get("drawn_on")), ("抽样人", frame.get("drawn_by")),
        ("调查员/组织实施", survey.collector),
    ]


def write_call_sheet(survey: SurveyRound, out: t.IO[bytes]) -> None:
    book = Workbook(write_only=True)
    about = book.create_sheet("抽样说明")
    for label, value in _about(survey):
        about.append(safe_row([label, value]))
    calls = book.create_sheet("电话回访")
    calls.append(CALL_HEADERS)
    stmt = calls_query(survey).execution_options(yield_per=CHUNK)
    for call in db.session.scalars(stmt):
        calls.append(safe_row([
            call.position, call.school.county.name, call.school.name, call.school.code, call.level,
            "受助" if call.recipient else "未受助", call.name, call.grade, call.id_masked, call.phone,
            call.outcome.label, call.attempts, call.note,
        ]))
    book.save(out)


def sheet_name(survey: SurveyRound) -> str:
    return f"电话回访表_{survey.campaign.code}_{survey.id}.xlsx"

