"""A round's workbook: the rates (round, counties, schools) and every answer, text neutralised."""

from __future__ import annotations

import typing as t

from openpyxl import Workbook

from ..checklists.models import ItemType
from ..core.spreadsheets import neutralise
from .figures import RoundFigures
from .figures import Row
from .figures import scored_responses

RATE_HEADERS = ["范围", "区县", "学校", "学校标识码", "受访人数",
                "政策知晓率", "知晓·答对达标人数", "知晓·有效受访人数 n", "知晓·95%区间下限", "知晓·95%区间上限",
                "群众满意度", "满意·肯定回答数", "满意·有效回答数 n", "满意·95%区间下限", "满意·95%区间上限",
                "样本不足", "低于90%"]


def _rate_row(scope: str, row: Row) -> list[t.Any]:
    r = row.rates
    cells: list[t.Any] = [scope, row.county.name if row.county else "", row.school.name if row.school else "",
                          row.school.code if row.school else "", r.respondents]
    for rate in (r.awareness, r.satisfaction):
        low, high = rate.interval or (None, None)
        cells += [rate.value, rate.hits, rate.n, low, high]
    cells += ["是" if r.awareness.small_sample else "",
              "是" if (r.awareness.below_target or r.satisfaction.below_target) else ""]
    return [neutralise(c) for c in cells]


def write_workbook(figures: RoundFigures, out: t.IO[bytes]) -> None:
    survey = figures.survey
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "调查说明"
    for label, value in (
        ("调查轮次", survey.title), ("检查批次", survey.campaign.label),
        ("开放日期", f"{survey.opens_on.isoformat()} 至 {survey.closes_on.isoformat()}"),
        ("学生卷版本", _version(survey, "student")), ("家长卷版本", _version(survey, "parent")),
        ("抽样框", survey.sampling_frame), ("每校目标样本量", survey.target_size),
        ("每校最低样本量", survey.min_size), ("调查员/组织实施", survey.collector),
        ("政策知晓标准", f"核心题答对不少于 {survey.knowledge_threshold} 题"),
        ("群众满意度口径", "（非常满意＋满意＋比较满意）÷ 有效回答"),
        *_interview_lines(figures),
    ):
        about.append([label, neutralise(value)])
    rates = book.create_sheet("两率")
    rates.append(RATE_HEADERS)
    if figures.total is not None:
        rates.append(_rate_row("全部", figures.total))
    for row in figures.counties:
        rates.append(_rate_row("区县", row))
    for row in figures.schools:
        rates.append(_rate_row("学校", row))
    answers = book.create_sheet("回答")
    school_ids = None if figures.total is not None else [row.school.id for row in figures.schools if row.school]
    responses = scored_responses(survey, school_ids)
    names: list[str] = []
    for audience in survey.audiences:
        version = survey.version_for(audience)
        assert version is not None
        names += [i.name for i in version.items if i.type != ItemType.NOTE and i.name not in names]
    answers.append(["编号", "区县", "学校", "问卷", "方式", "日期", "核心题答对数", "知晓", *names])
    for response, scored in responses:
        answers.append([neutralise(c) for c in [
            response.id, response.school.county.name, response.school.name, response.audience.label,
            response.way.label, response.submitted_on.isoformat(), scored.knowledge_right,
            "是" if scored.knowledge_valid and scored.knowledge_right >= survey.knowledge_threshold else "否",
            *[response.answers.get(name, "") for name in names],
        ]])
    book.save(out)


def _version(survey: t.Any, audience: str) -> str:
    version = survey.student_version if audience == "student" else survey.parent_version
    return f"{version.checklist.form_id} · {version.version}（id {version.id}）" if version else ""


def _interview_lines(figures: RoundFigures) -> list[tuple[str, t.Any]]:
    """The telephone sample and its calls: completed interviews are among the answers, the rest counted apart."""
    frame, survey = figures.survey.interview_frame, figures.survey
    if not frame:
        return []
    lines: list[tuple[str, t.Any]] = [
        ("电话回访抽样框", f"资助名单核查 #{frame.get('run')} {frame.get('title', '')}（{frame.get('semester', '')}），"
                           f"{frame.get('people', 0)} 人：受助 {frame.get('recipients', 0)}，未受助 "
                           f"{frame.get('non_recipients', 0)}；按学校×学段×是否受助分层，每层不少于 "
                           f"{frame.get('minimum')} 人"),
        ("电话回访随机种子", survey.interview_seed),
    ]
    if figures.total is not None:
        c = figures.total.calls
        rate = "—" if c.response_rate is None else f"{c.response_rate * 100:.1f}%"
        lines.append(("电话回访结果", f"抽中 {c.drawn}，完成访问 {c.completed}，无人接听 {c.no_answer}，"
                                    f"拒访 {c.refused}，空号/错号 {c.wrong_number}，未拨打 {c.pending}；应答率 {rate}"))
    return lines
