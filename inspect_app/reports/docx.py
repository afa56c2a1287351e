"""What each report says: the template context (figures and generated blocks) for every document kind.

The wording that staff may change lives in the templates (report_templates/*.docx); the sentences
built here are the ones whose shape depends on the data. Every figure comes from :mod:`collect`.
"""

from __future__ import annotations

import io
import typing as t
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
from docx.document import Document
from docxtpl import DocxTemplate

from ..checklists.models import Severity
from ..core import documents as gb
from ..core.documents import zh_date
from ..core.documents import zh_numeral
from . import render as rd

if t.TYPE_CHECKING:
    from ..surveys.rates import Rate
    from .collect import InvestigationData
    from .collect import MonthlyData
    from .collect import PhotoRow
    from .collect import ProblemRow
    from .collect import SchoolData
    from .collect.rates import RatesData

SCHOOLS = "学校（幼儿园）"
COUNTIES = "县（市、区）"
NOTHING_FOUND = "本次检查未发现需要整改的问题。"

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
PROGRESS_HEADER = ("序号", "{name}", "学校\n（所）", "已检查\n（所）", "已审核\n（所）", "问题\n（个）",
                   "已销号\n（个）", "本月\n销号", "未销号\n（个）", "逾期\n（个）")
PROGRESS_WIDTHS_MM = (10.0, 0.0, 13.5, 13.5, 13.5, 13.5, 13.5, 13.5, 13.5, 13.5)


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


def _appendix_photo(row: PhotoRow) -> rd.Photo:
    """The copy stamped with school, time and place where there is one, else the photo as stored.

    A photo processed with a report copy (that of the stamped copy where there is one) is embedded
    as it is, its size from the database. Without one, the stamped copy's size is read from its
    header (the stamp adds a band below the picture) and the file is scaled as the package is written.
    """
    caption = "　".join(x for x in (row.school, row.item, rd.local_time(row.taken_at)) if x)
    if row.report_path and row.report_width and row.report_height:
        return rd.Photo(key=row.report_path, fallback=row.stamped_path or row.path, caption=caption,
                        width=row.report_width, height=row.report_height, as_is=True)
    if row.stamped_path:
        return rd.Photo(key=row.stamped_path, fallback=row.path, caption=caption)
    return rd.Photo(key=row.path, fallback=row.thumb_path or None,
                    caption=caption, width=row.width, height=row.height)


class Blocks:
    """Builds generated blocks on the template's own document, so they carry its 公文 styles."""

    # A scratch copy that took blocks this large (serialized) is replaced by a fresh one.
    SCRATCH_BYTES = 512 * 1024

    def __init__(self, tpl: DocxTemplate, photos: rd.PhotoSink) -> None:
        self.template_file = str(tpl.template_file)
        self.photos = photos
        self.store = rd.BlockStore(tpl.resolve_listing)
        self.document: Document | None = None
        self.held = 0

    def __call__(self, write: Callable[[Document], t.Any]) -> rd.RawXml:
        # The blocks stay in the scratch copy (taking them out of an lxml tree again costs more than a
        # copy of the template, a few milliseconds); a fresh copy once they are large, so that blocks
        # already kept need not stay in memory.
        if self.document is None or self.held > self.SCRATCH_BYTES:
            self.document = docx.Document(self.template_file)
            gb.ensure_styles(self.document)
            self.held = 0
        start = self.store.size
        marker = rd.capture(self.document, write, self.store)
        self.held += self.store.size - start
        return marker

    def photo_appendix(self, rows: Iterable[PhotoRow]) -> rd.RawXml:
        photos = (_appendix_photo(row) for row in rows)
        return self(lambda d: rd.add_photo_grid(d, photos, self.photos))


# ---------------------------------------------------------------- investigation


def investigation_context(data: InvestigationData, blocks: Blocks) -> dict[str, t.Any]:
    """Placeholders and blocks of the 督导检查情况报告."""
    return {
        "title": rd.lines("\n".join(gb.split_title(report_title(data.campaign_name)))),
        "recipient": data.recipient,
        "org_name": data.org_name,
        "we": _we(data.org_name),
        "campaign_name": data.campaign_name,
        "campaign_code": data.campaign_code,
        "period": _period(data.starts_on, data.ends_on),
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
    methods = f"，采取{_join(data.methods)}等方式进行" if data.methods else ""
    mode = f"本次检查采取{COUNTIES}交叉检查方式，" if data.cross_county else ""
    if data.n_not_inspected:
        return (f"{mode}{staff}对{data.n_counties}个{COUNTIES}的{data.n_schools}所{SCHOOLS}开展督导检查{methods}，"
                f"截至{zh_date(data.report_date)}已检查{data.n_inspected}所。")
    return f"{mode}{staff}对{data.n_counties}个{COUNTIES}的{data.n_schools}所{SCHOOLS}进行了督导检查{methods}。"


def unfinished_note(as_of: date, inspected: int, pending: int) -> str:
    """What a report of an unfinished campaign says before its figures: they cover the schools inspected."""
    if not pending:
        return ""
    if not inspected:
        return f"截至{zh_date(as_of)}，尚无{SCHOOLS}完成检查，{pending}所均未检查。"
    return f"截至{zh_date(as_of)}，已检查{inspected}所，尚有{pending}所未检查，以下情况据已检查学校统计。"


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
    text += f"{which}的{data.n_inspected}所{SCHOOLS}中，{clean}所未发现问题，占{_percent(clean, data.n_inspected)}"
    text += f"；另有{awaiting}所发现的问题尚待审核确认。" if awaiting else "。"
    scored = [row.score for row in data.scores if row.score is not None]
    if scored and data.max_score:
        average = sum(scored, Decimal(0)) / len(scored)
        text += (
            f"已审核确认的{len(scored)}所按检查清单评分（满分{_number(data.max_score)}分），平均得分"
            f"{_number(average)}分，最高{_number(max(scored))}分，最低{_number(min(scored))}分。"
        )
    vetoed = sum(row.veto for row in data.scores)
    if vetoed:
        text += f"有{vetoed}所存在一票否决事项。"
    if data.sections_without_findings and data.n_findings:
        text += f"{_join(data.sections_without_findings)}等方面未发现问题。"
    return text


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
        text += f"，审核完成率{_percent(approved, data.n_schools)}"
    return text + (f"；尚有{pending}所未检查，正在抓紧推进。" if pending else "。")


def _write_findings(document: Document, data: InvestigationData) -> None:
    """三、存在的主要问题: totals, severity split and one sub-heading per checklist section."""
    if not data.n_findings:
        gb.add_body(document, NOTHING_FOUND)
        return
    text = (
        f"本次检查共发现并确认问题{data.n_findings}个，涉及{data.n_schools_with_findings}所{SCHOOLS}"
        f"，占{'已检查学校数' if data.n_not_inspected else '检查学校总数'}的"
        f"{_percent(data.n_schools_with_findings, data.n_inspected or data.n_schools)}。"
    )
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


def _write_figures(document: Document, data: InvestigationData) -> None:
    """四、有关数据情况: problems by severity, rectification by state, overdue, as of the report date; 两率一度."""
    if not data.n_findings:
        gb.add_body(document, "本次检查未发现需要整改的问题，无整改任务。")
        gb.add_heading(document, "（一）两率一度。", 2, body="".join(rates_sentences(data.rates)))
        return
    severity = _join(f"{severity_text(s)}问题{n}个" for s, n in data.findings_by_severity)
    gb.add_heading(document, "（一）问题分布。", 2, body=(
        f"按严重程度分，{severity}。" if severity else "") + (
        f"问题涉及{len({s.county for s in data.schools})}个{COUNTIES}，分县（市、区）情况见附件3。"))
    statuses = _join(f"{label}{n}个" for label, n in data.rectification_by_status)
    gb.add_heading(document, "（二）整改进展。", 2, body=(
        f"针对检查发现的问题，{_we(data.org_name)}建立了问题清单和整改台账，实行对账销号管理。"
        f"截至{zh_date(data.report_date)}，{data.n_findings}个问题中，已整改销号{data.n_closed}个，"
        f"销号率{_percent(data.n_closed, data.n_findings)}；未销号{data.n_open}个，"
        f"其中逾期未完成整改{data.n_overdue}个。" + (f"按整改状态统计，{statuses}。" if statuses else "")))
    gb.add_heading(document, "（三）两率一度。", 2, body="".join(rates_sentences(data.rates)))


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
    gb.add_table(document, PROBLEM_HEADER, rows, _widths(PROBLEM_WIDTHS_MM), aligns=PROBLEM_ALIGNS,
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
                     "—" if row.score is None else _number(row.score), str(row.problems), note])
    gb.add_table(document, SCORE_HEADER, rows, _widths(SCORE_WIDTHS_MM), aligns=SCORE_ALIGNS, size=gb.SIZE_XIAO4,
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
    gb.add_table(document, DISTRIBUTION_HEADER, rows, _widths(DISTRIBUTION_WIDTHS_MM), size=gb.SIZE_4HAO,
                 row_sink=rd.stream_rows)


def _problem_cells(number: int, county: str, school: str, problem: ProblemRow) -> list[str]:
    return [str(number), county, school, problem.section, problem.description.strip(),
            severity_text(problem.severity), _table_date(problem.due_on), problem.status]


# ---------------------------------------------------------------- notice and school report


def notice_context(data: SchoolData, blocks: Blocks) -> dict[str, t.Any]:
    """Placeholders and blocks of the 整改通知书 for one school."""
    severities = Counter(p.severity for p in data.problems)
    severity = _join(f"{severity_text(s)}问题{severities[s]}个" for s in reversed(Severity) if severities[s])
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
        "we": _we(data.org_name),
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
            details.append(f"检查项目：{_clause(p.item)}")
        if p.policy_basis:
            details.append(f"依据：{_clause(p.policy_basis)}")
        if p.due_on:
            details.append(f"整改时限：{zh_date(p.due_on)}前")
        body = _sentence(p.description) + (f"（{'；'.join(details)}）" if details else "")
        gb.add_heading(document, f"{p.number}.", 3, body=body)


def _progress_sentence(data: SchoolData) -> str:
    n = len(data.problems)
    if not n:
        return "检查未发现需要整改的问题。"
    if data.n_closed == n:
        return f"{n}个问题已全部整改到位并经复核销号。"
    states = Counter(p.status for p in data.problems if not p.closed)
    rest = _join(f"{label}{count}个" for label, count in states.most_common())
    return f"{n}个问题中，已整改销号{data.n_closed}个，{rest}。"


def _write_school_problems(document: Document, data: SchoolData) -> None:
    """二、问题整改情况: problem by problem, the measures taken and the result."""
    if not data.problems:
        gb.add_body(document, NOTHING_FOUND)
        return
    for p in data.problems:
        gb.add_heading(document, f"（{zh_numeral(p.number)}）{_clause(p.description)}。", 2)
        measures = _sentence(p.measures) if p.measures else "尚未填报整改措施。"
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
        return text + (f"复核意见：{_sentence(p.verify_note)}" if p.verify_note else "")
    if p.status == "已整改待复核":
        when = f"于{zh_date(p.submitted_on)}" if p.submitted_on else ""
        return f"已完成整改，{when}提交复核，等待复核销号。"
    due = f"计划于{zh_date(p.due_on)}前完成。" if p.due_on else ""
    if p.overdue:
        return f"尚未完成整改，已超过整改时限（{zh_date(p.due_on)}），正在加紧整改。"
    return f"正在整改（{p.status}），{due}" if due else f"正在整改（{p.status}）。"


# ---------------------------------------------------------------- monthly


def monthly_context(data: MonthlyData, blocks: Blocks) -> dict[str, t.Any]:
    return {
        "org_name": data.org_name,
        "we": _we(data.org_name),
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
        f"{data.month}月，{_we(data.org_name)}共跟踪检查批次{len(data.campaigns)}个，"
        f"审核确认学校检查{t_.visits_done_in_month}所，新确认问题{t_.findings_in_month}个，"
        f"整改销号{t_.closed_in_month}个。"
    ))
    note = unfinished_note(data.as_of, t_.inspected, t_.not_inspected)
    if note:
        gb.add_body(document, note)
    gb.add_body(document, (
        f"截至{as_of}，各批次共安排检查学校{t_.schools}所，{_inspected(t_)}"
        f"累计确认问题{t_.findings}个，已整改销号{t_.closed}个，销号率{_percent(t_.closed, t_.findings)}；"
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
                f"{row.county}{row.school}：{_clause(row.description)}（{row.campaign}；整改时限"
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
    gb.add_table(document, header, cells, _widths(PROGRESS_WIDTHS_MM), aligns=aligns, size=gb.SIZE_XIAO4,
                 row_sink=rd.stream_rows)


def _progress_cells(row: t.Any) -> list[str]:
    return [str(n) for n in (row.schools, row.inspected, row.visits_done, row.findings, row.closed,
                             row.closed_in_month, row.open, row.overdue)]


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


def _table_date(day: date | None) -> str:
    if day is None:
        return "—"
    return f"{day.year}年\n{day.month}月{day.day}日"


def _widths(millimetres: Iterable[float]) -> list[int]:
    """Column widths in twips; the single 0 entry takes whatever the type-area width leaves."""
    widths = [round(mm * 1440 / 25.4) for mm in millimetres]
    widths[widths.index(0)] = gb.TEXT_WIDTH - sum(widths)
    return widths


def _period(starts_on: date | None, ends_on: date | None) -> str:
    """于2026年10月8日至10月31日, or the part of it that is known."""
    if starts_on and ends_on:
        return f"于{gb.zh_date_range(starts_on, ends_on)}"
    if starts_on:
        return f"自{zh_date(starts_on)}起"
    if ends_on:
        return f"于{zh_date(ends_on)}前"
    return ""


def _we(org_name: str) -> str:
    """How the issuing body refers to itself: 我中心, 我局 or 我单位."""
    for suffix in ("中心", "局", "厅", "委"):
        if org_name.endswith(suffix):
            return f"我{suffix}"
    return "我单位"


def _join(items: Iterable[str]) -> str:
    return "、".join(item for item in items if item)


def _percent(part: int, whole: int) -> str:
    if not whole:
        return "0%"
    value = 100 * part / whole
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def _number(value: Decimal) -> str:
    """A score with at most one decimal, without trailing zeros: 98.5, 100."""
    rounded = Decimal(value).quantize(Decimal("0.1"))
    return f"{rounded:f}".rstrip("0").rstrip(".") if "." in f"{rounded:f}" else f"{rounded:f}"


def _clause(text: str) -> str:
    return text.strip().rstrip("。，；、：.,;: ")


def _sentence(text: str) -> str:
    """A text ending with a full stop."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "）")) else f"{_clause(text)}。"
