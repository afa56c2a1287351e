"""Render a campaign's 督导检查情况报告 as a GB/T 9704 .docx from :class:`InvestigationData`."""

from __future__ import annotations

import io
import typing as t
from collections import Counter
from collections.abc import Iterable
from datetime import date
from datetime import datetime
from datetime import time
from pathlib import Path

import docx
from docx.document import Document

from . import gbt9704 as gb
from .gbt9704 import zh_date
from .gbt9704 import zh_numeral

if t.TYPE_CHECKING:
    from .collect import InvestigationData
    from .collect import ProblemRow

SCHOOLS = "学校（幼儿园）"
COUNTIES = "县（市、区）"
ATTACHMENT_PROBLEMS = "各校问题清单"
ATTACHMENT_DISTRIBUTION = "检查学校分布情况"
NOTHING_FOUND = "本次检查未发现需要整改的问题。"

PROBLEM_HEADER = ("序号", "区县", "学校", "问题类别", "问题描述", "严重程度", "整改时限", "整改状态")
PROBLEM_WIDTHS_MM = (10.5, 15.0, 19.0, 19.0, 0.0, 10.5, 22.0, 19.0)
PROBLEM_ALIGNS = ("center", "center", "left", "left", "left", "center", "center", "center")
DISTRIBUTION_HEADER = (
    "序号", COUNTIES, "检查学校数\n（所）", "问题学校数\n（所）", "问题数\n（个）", "逾期问题数\n（个）",
)
DISTRIBUTION_WIDTHS_MM = (14.0, 32.0, 27.5, 27.5, 27.5, 0.0)


def report_title(campaign_name: str) -> str:
    """关于…情况的报告, without doubling 情况 when the campaign name already ends with it."""
    name = campaign_name.strip()
    if name.endswith("情况"):
        return f"关于{name}的报告"
    return f"关于{name}情况的报告"


def render_investigation(data: InvestigationData, template_path: Path) -> io.BytesIO:
    """Write the 督导检查情况报告 onto the 公文 template and return the .docx as bytes."""
    document = docx.Document(str(template_path))
    gb.clear_body(document)
    gb.ensure_styles(document)
    attachments = [ATTACHMENT_PROBLEMS, ATTACHMENT_DISTRIBUTION]

    title = report_title(data.campaign_name)
    gb.add_title(document, title)
    gb.add_blank_lines(document)
    gb.add_recipient(document, data.recipient)
    gb.add_body(document, _opening(data))
    for number, (heading, write) in enumerate(_SECTIONS, start=1):
        gb.add_heading(document, f"{zh_numeral(number)}、{heading}", 1)
        write(document, data)
    gb.add_body(document, "特此报告。")
    gb.add_blank_lines(document)
    gb.add_attachment_note(document, attachments)
    gb.add_signature(document, data.org_name, data.report_date)

    gb.add_attachment_heading(document, attachments[0], number=1)
    _write_problem_table(document, data)
    gb.add_attachment_heading(document, attachments[1], number=2)
    _write_distribution_table(document, data)

    props = document.core_properties
    props.title = title
    props.subject = data.campaign_name
    props.author = data.org_name
    props.last_modified_by = data.org_name
    props.created = props.modified = datetime.combine(data.report_date, time())
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    return out


def _opening(data: InvestigationData) -> str:
    """The opening paragraph: who inspected what, when, how, ending with 现将有关情况报告如下："""
    when = _period(data)
    staff = f"共抽调检查人员{data.n_inspectors}名，" if data.n_inspectors else ""
    methods = f"，采取{_join(data.methods)}等方式进行" if data.methods else ""
    mode = f"本次检查采取{COUNTIES}交叉检查方式，" if data.cross_county else ""
    return (
        f"为进一步规范学生资助管理，推动各项资助政策落实落地，{data.org_name}{when}组织开展了{data.campaign_name}。"
        f"{mode}{staff}对{data.n_counties}个{COUNTIES}的"
        f"{data.n_schools}所{SCHOOLS}进行了督导检查{methods}。现将有关情况报告如下："
    )


def _write_scope(document: Document, data: InvestigationData) -> None:
    """一、检查基本情况: scope by county and by level, the checklist used and the visits completed."""
    by_county = _join(f"{name}{n}所" for name, n in data.schools_by_county)
    by_level = _join(f"{name}{n}所" for name, n in data.schools_by_level)
    scope = f"本次检查覆盖{data.n_counties}个{COUNTIES}{data.n_schools}所{SCHOOLS}"
    scope += f"，其中{by_county}。" if by_county else "。"
    if by_level:
        scope += f"按学段分，{by_level}。"
    gb.add_heading(document, "（一）检查范围。", 2, body=scope)

    checklist = data.checklist_title.strip().strip("《》")
    gb.add_heading(
        document,
        "（二）检查内容。",
        2,
        body=f"检查依据《{checklist}》逐项对照开展，对各{SCHOOLS}资助政策落实情况进行全面检查。",
    )

    done = f"截至{zh_date(data.report_date)}，已完成{data.n_visits_done}所{SCHOOLS}的检查并审核确认"
    if data.n_schools:
        done += f"，完成率{_percent(data.n_visits_done, data.n_schools)}"
    rest = data.n_schools - data.n_visits_done
    done += f"；其余{rest}所正在抓紧推进。" if rest > 0 else "。"
    gb.add_heading(document, "（三）完成情况。", 2, body=done)


def _write_findings(document: Document, data: InvestigationData) -> None:
    """二、发现的主要问题: totals, severity split and one sub-heading per checklist section."""
    if not data.n_findings:
        gb.add_body(document, NOTHING_FOUND)
        return
    text = (
        f"本次检查共发现并确认问题{data.n_findings}个，涉及{data.n_schools_with_findings}所{SCHOOLS}"
        f"，占检查学校总数的{_percent(data.n_schools_with_findings, data.n_schools)}。"
    )
    severity = _join(f"{label}问题{n}个" for label, n in data.findings_by_severity)
    if severity:
        text += f"按严重程度分，{severity}。"
    if data.findings_by_section:
        text += "问题主要集中在以下方面："
    gb.add_body(document, text)
    for number, section in enumerate(data.findings_by_section, start=1):
        label = section.section.strip()
        if not label.endswith("方面"):
            label += "方面"
        body = f"共发现问题{section.count}个，涉及{section.schools}所{SCHOOLS}。"
        examples = [_clause(example) for example in section.examples if _clause(example)]
        if examples:
            body += f"典型问题如：{'；'.join(examples)}。"
        gb.add_heading(document, f"（{zh_numeral(number)}）{label}。", 2, body=body)


def _write_rectification(document: Document, data: InvestigationData) -> None:
    """三、整改情况: closed, open and overdue counts as of the report date, with the status breakdown."""
    if not data.n_findings:
        gb.add_body(document, "本次检查未发现需要整改的问题，无整改任务。")
        return
    gb.add_body(
        document,
        f"针对检查发现的问题，{_we(data)}建立了问题清单和整改台账，实行对账销号管理。"
        f"截至{zh_date(data.report_date)}，{data.n_findings}个问题中，已整改销号{data.n_closed}个，"
        f"销号率{_percent(data.n_closed, data.n_findings)}；未销号{data.n_open}个，"
        f"其中逾期未完成整改{data.n_overdue}个。",
    )
    statuses = _join(f"{label}{n}个" for label, n in data.rectification_by_status)
    if statuses:
        gb.add_body(document, f"按整改状态统计，{statuses}。")


def _write_requirements(document: Document, data: InvestigationData) -> None:
    """四、整改要求: responsibility, deadline (default_due_on), the 整改报告 and lasting rules."""
    due = zh_date(data.default_due_on)
    if not data.n_findings:
        gb.add_body(
            document,
            f"各{COUNTIES}和{SCHOOLS}要保持良好工作态势，持续规范家庭经济困难学生认定、资助资金发放和"
            "资助档案管理，确保各项资助政策落实到位。",
        )
        return
    overdue = (
        f"对已逾期的{data.n_overdue}个问题，要立即整改、限期销号。" if data.n_overdue else ""
    )
    items = (
        (
            "压实整改责任。",
            f"各{COUNTIES}教育行政部门要切实履行监管职责，督促相关{SCHOOLS}对照问题清单逐条制定整改措施，"
            "明确整改责任人和完成时限，做到问题不解决不放过、整改不到位不销号。",
        ),
        (
            "严格整改时限。",
            f"检查发现的问题须于{due}前整改到位；问题清单另行明确整改时限的，按清单所列时限执行。{overdue}",
        ),
        (
            "按时报送整改报告。",
            f"相关{SCHOOLS}要在整改完成后形成整改报告，逐条说明整改措施和整改结果，附佐证材料，"
            f"经{COUNTIES}学生资助管理部门审核后，于{due}前报送{_we(data)}。",
        ),
        (
            "建立长效机制。",
            "各地各校要举一反三，深入查找资助管理中的薄弱环节，健全完善资助工作制度，规范认定、发放和"
            "档案管理各环节，防止同类问题反复发生。",
        ),
    )
    for number, (heading, body) in enumerate(items, start=1):
        gb.add_heading(document, f"（{zh_numeral(number)}）{heading}", 2, body=body)


def _write_next_steps(document: Document, data: InvestigationData) -> None:
    """五、下一步工作: follow-up of the rectification and lasting improvements."""
    follow_up = (
        f"下一步，{_we(data)}将持续跟踪问题整改进展，及时组织复核已提交整改的问题，对逾期未整改、"
        "整改不到位的进行督办，确保问题全部整改销号。"
        if data.n_findings
        else f"下一步，{_we(data)}将继续加强对学生资助工作的日常监管和督导检查。"
    )
    gb.add_body(
        document,
        follow_up + "同时，进一步加强资助政策宣传和业务培训，推动学生资助工作规范化、精细化管理，"
        "切实提升资助工作质量。",
    )


_SECTIONS: tuple[tuple[str, t.Callable[[Document, InvestigationData], None]], ...] = (
    ("检查基本情况", _write_scope),
    ("发现的主要问题", _write_findings),
    ("整改情况", _write_rectification),
    ("整改要求", _write_requirements),
    ("下一步工作", _write_next_steps),
)


def _write_problem_table(document: Document, data: InvestigationData) -> None:
    """附件1: one row per problem, grouped by school, county and school cells merged per school."""
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
    gb.add_table(
        document,
        PROBLEM_HEADER,
        rows,
        _widths(PROBLEM_WIDTHS_MM),
        aligns=PROBLEM_ALIGNS,
        size=gb.SIZE_XIAO4,
        groups=groups,
        merge_columns=(1, 2),
    )


def _write_distribution_table(document: Document, data: InvestigationData) -> None:
    """附件2: schools inspected, schools with problems, problems and overdue problems per county."""
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
    gb.add_table(document, DISTRIBUTION_HEADER, rows, _widths(DISTRIBUTION_WIDTHS_MM), size=gb.SIZE_4HAO)


def _problem_cells(number: int, county: str, school: str, problem: ProblemRow) -> list[str]:
    """The eight cells of one problem row."""
    return [
        str(number),
        county,
        school,
        problem.section,
        problem.description.strip(),
        problem.severity,
        _table_date(problem.due_on),
        problem.status,
    ]


def _table_date(day: date | None) -> str:
    """A due date on two lines, year and month-day, so that it fits a narrow column; — when unset."""
    if day is None:
        return "—"
    return f"{day.year}年\n{day.month}月{day.day}日"


def _widths(millimetres: Iterable[float]) -> list[int]:
    """Column widths in twips; the single 0 entry takes whatever the type-area width leaves."""
    widths = [round(mm * 1440 / 25.4) for mm in millimetres]
    widths[widths.index(0)] = gb.TEXT_WIDTH - sum(widths)
    return widths


def _period(data: InvestigationData) -> str:
    """于2026年10月8日至10月31日, or the part of it that is known."""
    if data.starts_on and data.ends_on:
        return f"于{gb.zh_date_range(data.starts_on, data.ends_on)}"
    if data.starts_on:
        return f"自{zh_date(data.starts_on)}起"
    if data.ends_on:
        return f"于{zh_date(data.ends_on)}前"
    return ""


def _we(data: InvestigationData) -> str:
    """How the issuing body refers to itself: 我中心, 我局 or 我单位."""
    for suffix in ("中心", "局", "厅", "委"):
        if data.org_name.endswith(suffix):
            return f"我{suffix}"
    return "我单位"


def _join(items: Iterable[str]) -> str:
    """Items joined with the enumeration comma 、."""
    return "、".join(item for item in items if item)


def _percent(part: int, whole: int) -> str:
    """A share such as 37.5%, 0% when there is nothing to divide by."""
    if not whole:
        return "0%"
    value = 100 * part / whole
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def _clause(text: str) -> str:
    """An example without trailing punctuation, ready to be joined with ；."""
    return text.strip().rstrip("。，；、：.,;: ")
