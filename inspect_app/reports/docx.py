"""What each report says: the template context (figures and generated blocks) for every document kind.

The wording that staff may change lives in the templates (report_templates/*.docx); the sentences
built here are the ones whose shape depends on the data. Every figure comes from :mod:`collect`.
"""

from __future__ import annotations

import io
import typing as t
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from docx.document import Document

from ..core import documents as gb
from ..core.documents import zh_date
from ..core.documents import zh_numeral
from . import render as rd
from . import wording as w
from .blocks import Blocks
from .docx_monthly import monthly_context
from .docx_provincial import provincial_context
from .docx_provincial import provincial_title
from .docx_school import notice_context
from .docx_school import school_report_context
from .wording import COUNTIES
from .wording import NOTHING_FOUND
from .wording import SCHOOLS
from .wording import rates_sentences
from .wording import report_title
from .wording import severity_text
from .wording import unfinished_note

if t.TYPE_CHECKING:
    from .collect import InvestigationData
    from .collect import ProblemRow


PROBLEM_HEADER = ("序号", "区县", "学校", "问题类别", "问题描述", "严重程度", "整改时限", "整改状态")
PROBLEM_WIDTHS_MM = (10.5, 15.0, 19.0, 19.0, 0.0, 10.5, 22.0, 19.0)
PROBLEM_ALIGNS = ("center", "center", "left", "left", "left", "center", "center", "center")
DISTRIBUTION_HEADER = (
    "序号", COUNTIES, "检查学校数\n（所）", "问题学校数\n（所）", "问题数\n（个）", "逾期问题数\n（个）",
)
DISTRIBUTION_WIDTHS_MM = (14.0, 32.0, 27.5, 27.5, 27.5, 0.0)
SCORE_HEADER = ("序号", "区县", "学校（幼儿园）", "学段", "得分", "问题数\n（个）", "备注")
SCORE_WIDTHS_MM = (12.0, 20.0, 0.0, 16.0, 16.0, 18.0, 24.0)
SCORE_ALIGNS = ("center", "center", "left", "center", "center", "center", "center")

# ---------------------------------------------------------------- investigation


def investigation_context(data: InvestigationData, blocks: Blocks) -> dict[str, t.Any]:
    """Placeholders and blocks of the 督导检查情况报告."""
    return {
        "title": rd.lines("\n".join(gb.split_title(report_title(data.campaign_name)))),
        "recipient": data.recipient,
        "org_name": data.org_name,
        "we": w.we(data.org_name),
        "campaign_name": data.campaign_name,
        "campaign_code": data.campaign_code,
        "period": w.period(data.starts_on, data.ends_on),
        "scope_sentence": _scope_sentence(data),
        "evaluation": _evaluation(data),
        "n_schools": data.n_schools,
        "n_findings": data.n_findings,
        "due_date": zh_date(data.default_due_on),
        "overdue_sentence": f"对已逾期的{data.n_overdue}个问题，要立即整改、限期销号。" if data.n_overdue else "",
        "report_date": zh_date(data.report_date),
        "print_date": zh_date(data.report_date),
        "year": data.report_date.year,
        "photos": bool(data.photos),
        "basic_facts": blocks(lambda d: _write_scope(d, data)),
        "problems": blocks(lambda d: _write_findings(d, data)),
        "figures": blocks(lambda d: _write_figures(d, data)),
        "score_table": blocks(lambda d: _write_score_table(d, data)),
        "problem_table": blocks(lambda d: _write_problem_table(d, data)),
        "distribution_table": blocks(lambda d: _write_distribution_table(d, data)),
        "photo_appendix": blocks.photo_appendix(data.photos),
    }


def _scope_sentence(data: InvestigationData) -> str:
    staff = f"共抽调检查人员{data.n_inspectors}名，" if data.n_inspectors else ""
    methods = f"，采取{w.join(data.methods)}等方式进行" if data.methods else ""
    mode = f"本次检查采取{COUNTIES}交叉检查方式，" if data.cross_county else ""
    if data.n_not_inspected:
        return (f"{mode}{staff}对{data.n_counties}个{COUNTIES}的{data.n_schools}所{SCHOOLS}开展督导检查{methods}，"
                f"截至{zh_date(data.report_date)}已检查{data.n_inspected}所。")
    return f"{mode}{staff}对{data.n_counties}个{COUNTIES}的{data.n_schools}所{SCHOOLS}进行了督导检查{methods}。"




def _evaluation(data: InvestigationData) -> str:
    """Schools without problems among those inspected, the score spread and the sections where nothing was found.

    Schools not yet inspected are never counted as schools without problems: while some remain,
    the paragraph says so first and counts only the schools inspected.
    """
    if not data.n_schools:
        return ""
    text = unfinished_note(data.report_date, data.n_inspected, data.n_not_inspected)
    if not data.n_inspected:
        return text
    awaiting = data.n_schools_awaiting_decision
    clean = max(0, data.n_inspected - data.n_schools_with_findings - awaiting)
    which = "已检查" if data.n_not_inspected else "检查"
    text += f"{which}的{data.n_inspected}所{SCHOOLS}中，{clean}所未发现问题，占{w.percent(clean, data.n_inspected)}"
    text += f"；另有{awaiting}所发现的问题尚待审核确认。" if awaiting else "。"
    scored = [row.score for row in data.scores if row.score is not None]
    if scored and data.max_score:
        average = sum(scored, Decimal(0)) / len(scored)
        text += (
            f"已审核确认的{len(scored)}所按检查清单评分（满分{w.number(data.max_score)}分），平均得分"
            f"{w.number(average)}分，最高{w.number(max(scored))}分，最低{w.number(min(scored))}分。"
        )
    vetoed = sum(row.veto for row in data.scores)
    if vetoed:
        text += f"有{vetoed}所存在一票否决事项。"
    if data.sections_without_findings and data.n_findings:
        text += f"{w.join(data.sections_without_findings)}等方面未发现问题。"
    return text


def _write_scope(document: Document, data: InvestigationData) -> None:
    """一、检查基本情况: scope by county and by level, the checklist used and the visits completed."""
    by_county = w.join(f"{name}{n}所" for name, n in data.schools_by_county)
    by_level = w.join(f"{name}{n}所" for name, n in data.schools_by_level)
    scope = f"本次检查覆盖{data.n_counties}个{COUNTIES}{data.n_schools}所{SCHOOLS}"
    scope += f"，其中{by_county}。" if by_county else "。"
    if by_level:
        scope += f"按学段分，{by_level}。"
    gb.add_heading(document, "（一）检查范围。", 2, body=scope)

    checklist = data.checklist_title.strip().strip("《》")
    gb.add_heading(
        document, "（二）检查内容。", 2,
        body=f"检查依据《{checklist}》逐项对照开展，对各{SCHOOLS}资助政策落实情况进行全面检查。",
    )
    done = _progress(data)
    gb.add_heading(document, "（三）完成情况。", 2, body=done)


def _progress(data: InvestigationData) -> str:
    """（三）完成情况: schools inspected (results submitted), of them approved, and schools not yet inspected."""
    as_of = zh_date(data.report_date)
    approved, inspected, pending = data.n_visits_done, data.n_inspected, data.n_not_inspected
    if data.n_schools and approved == data.n_schools:
        return f"截至{as_of}，已完成{approved}所{SCHOOLS}的检查并审核确认，完成率100%。"
    text = f"截至{as_of}，已检查{inspected}所{SCHOOLS}"
    if inspected:
        text += f"，其中审核确认{approved}所" + (f"、待审核{inspected - approved}所" if inspected > approved else "")
    if data.n_schools:
        text += f"，审核完成率{w.percent(approved, data.n_schools)}"
    return text + (f"；尚有{pending}所未检查，正在抓紧推进。" if pending else "。")


def _write_findings(document: Document, data: InvestigationData) -> None:
    """三、存在的主要问题: totals, severity split and one sub-heading per checklist section."""
    if not data.n_findings:
        gb.add_body(document, NOTHING_FOUND)
        return
    text = (
        f"本次检查共发现并确认问题{data.n_findings}个，涉及{data.n_schools_with_findings}所{SCHOOLS}"
        f"，占{'已检查学校数' if data.n_not_inspected else '检查学校总数'}的"
        f"{w.percent(data.n_schools_with_findings, data.n_inspected or data.n_schools)}。"
    )
    if data.findings_by_section:
        text += "问题主要集中在以下方面："
    gb.add_body(document, text)
    for number, section in enumerate(data.findings_by_section, start=1):
        label = section.section.strip()
        if not label.endswith("方面"):
            label += "方面"
        body = f"共发现问题{section.count}个，涉及{section.schools}所{SCHOOLS}。"
        examples = [w.clause(example) for example in section.examples if w.clause(example)]
        if examples:
            body += f"典型问题如：{'；'.join(examples)}。"
        gb.add_heading(document, f"（{zh_numeral(number)}）{label}。", 2, body=body)


def _write_figures(document: Document, data: InvestigationData) -> None:
    """四、有关数据情况: problems by severity, rectification by state, overdue, as of the report date; 两率一度."""
    if not data.n_findings:
        gb.add_body(document, "本次检查未发现需要整改的问题，无整改任务。")
        gb.add_heading(document, "（一）两率一度。", 2, body="".join(rates_sentences(data.rates)))
        return
    severity = w.join(f"{severity_text(s)}问题{n}个" for s, n in data.findings_by_severity)
    gb.add_heading(document, "（一）问题分布。", 2, body=(
        f"按严重程度分，{severity}。" if severity else "") + (
        f"问题涉及{len({s.county for s in data.schools})}个{COUNTIES}，分县（市、区）情况见附件3。"))
    statuses = w.join(f"{label}{n}个" for label, n in data.rectification_by_status)
    gb.add_heading(document, "（二）整改进展。", 2, body=(
        f"针对检查发现的问题，{w.we(data.org_name)}建立了问题清单和整改台账，实行对账销号管理。"
        f"截至{zh_date(data.report_date)}，{data.n_findings}个问题中，已整改销号{data.n_closed}个，"
        f"销号率{w.percent(data.n_closed, data.n_findings)}；未销号{data.n_open}个，"
        f"其中逾期未完成整改{data.n_overdue}个。" + (f"按整改状态统计，{statuses}。" if statuses else "")))
    gb.add_heading(document, "（三）两率一度。", 2, body="".join(rates_sentences(data.rates)))




def _write_problem_table(document: Document, data: InvestigationData) -> None:
    """附件2: one row per problem, grouped by school, county and school cells merged per school."""
    schools = [school for school in data.schools if school.problems]
    if not schools:
        gb.add_body(document, NOTHING_FOUND)
        return
    rows: list[list[str]] = []
    groups: list[int] = []
    for school in schools:
        groups.append(len(school.problems))
        for problem in school.problems:
            rows.append(_problem_cells(len(rows) + 1, school.county, school.school, problem))
    gb.add_table(document, PROBLEM_HEADER, rows, w.widths(PROBLEM_WIDTHS_MM), aligns=PROBLEM_ALIGNS,
                 size=gb.SIZE_XIAO4, groups=groups, merge_columns=(1, 2), row_sink=rd.stream_rows)


def _write_score_table(document: Document, data: InvestigationData) -> None:
    """附件1: every inspected school with its score, number of problems and any veto."""
    if not data.scores:
        gb.add_body(document, "本次检查尚未安排学校。")
        return
    rows = []
    for number, row in enumerate(data.scores, start=1):
        note = "一票否决" if row.veto else ("检查未完成" if row.score is None else "")
        rows.append([str(number), row.county, row.school, row.level,
                     "—" if row.score is None else w.number(row.score), str(row.problems), note])
    gb.add_table(document, SCORE_HEADER, rows, w.widths(SCORE_WIDTHS_MM), aligns=SCORE_ALIGNS, size=gb.SIZE_XIAO4,
                 row_sink=rd.stream_rows)


def _write_distribution_table(document: Document, data: InvestigationData) -> None:
    """附件3: schools inspected, schools with problems, problems and overdue problems per county."""
    with_problems: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    for school in data.schools:
        if school.problems:
            with_problems[school.county] += 1
        problems[school.county] += len(school.problems)
        overdue[school.county] += sum(p.overdue for p in school.problems)
    counties = list(data.schools_by_county)
    known = {name for name, _n in counties}
    counties += [(name, 0) for name in problems if name not in known]
    rows = [
        [str(i), name, str(n), str(with_problems[name]), str(problems[name]), str(overdue[name])]
        for i, (name, n) in enumerate(counties, start=1)
    ]
    totals = [sum(int(row[col]) for row in rows) for col in range(2, 6)]
    rows.append(["", "合计", *map(str, totals)])
    gb.add_table(document, DISTRIBUTION_HEADER, rows, w.widths(DISTRIBUTION_WIDTHS_MM), size=gb.SIZE_4HAO,
                 row_sink=rd.stream_rows)


def _problem_cells(number: int, county: str, school: str, problem: ProblemRow) -> list[str]:
    return [str(number), county, school, problem.section, problem.description.strip(),
            severity_text(problem.severity), w.table_date(problem.due_on), problem.status]


# ---------------------------------------------------------------- helpers


def render_investigation(data: InvestigationData, template_path: Path) -> io.BytesIO:
    """Render the 督导检查情况报告 from data onto a template and return the .docx as bytes."""
    out = io.BytesIO()
    render_kind("investigation", data, template_path, out)
    out.seek(0)
    return out


def render_kind(kind: str, data: t.Any, template_path: Path, out: t.BinaryIO,
                progress: Callable[[int], None] | None = None, doc_number: str = "") -> int:
    """Render one document of ``kind`` into ``out``; returns the number of photos written.

    ``doc_number`` is its 发文字号 (渭资助〔2026〕3号), for templates with a red header.
    """
    tpl = rd.open_template(template_path)
    sink = rd.PhotoSink()
    blocks = Blocks(tpl, sink)
    if kind == "investigation":
        context = investigation_context(data, blocks)
        title = report_title(data.campaign_name)
    elif kind == "notice":
        context = notice_context(data, blocks)
        title = f"{data.school_name}整改通知书"
    elif kind == "school-report":
        context = school_report_context(data, blocks)
        title = f"{data.school_name}整改情况报告"
    elif kind == "monthly":
        context = monthly_context(data, blocks)
        title = f"{data.year}年{data.month}月学生资助督导检查月报"
    elif kind == "provincial":
        context = provincial_context(data, blocks)
        title = provincial_title(data.campaign_name)
    else:
        raise ValueError(kind)
    context["doc_number"] = doc_number
    props = tpl.get_docx().core_properties
    props.title = title
    props.author = props.last_modified_by = getattr(data, "org_name", "")
    try:
        rd.render(tpl, context, out, sink, progress=progress, blocks=blocks.store)
    finally:
        blocks.store.close()
    return len(sink.photos)


