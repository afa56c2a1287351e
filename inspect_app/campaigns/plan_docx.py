"""Render a campaign's 检查工作安排 notice (关于开展…的通知) as a GB/T 9704 .docx from :class:`PlanNotice`.

The layout comes from :mod:`inspect_app.core.documents` and its blank 公文 document; this module
writes the words: when and how the inspection runs, which schools, the teams and the rules they
keep, with the team list and the day-by-day schedule as attachments.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from itertools import groupby

from docx.document import Document

from ..core import documents as gb
from ..core.documents import build_base_template
from ..core.documents import zh_date
from ..core.documents import zh_numeral

COUNTIES = "县（市、区）"
SCHOOLS = "学校（幼儿园）"
ATTACHMENT_TEAMS = "检查组人员安排表"
ATTACHMENT_SCHEDULE = "检查日程安排表"

# Widths in millimetres for 小四 text (about 4.3 mm a character); the 0 column takes the rest.
TEAM_HEADER = ("序号", "检查组", "组长及成员\n（所属区县）", "检查区县", "学校\n（所）", "检查日期")
TEAM_WIDTHS_MM = (10.5, 29.0, 0.0, 24.0, 16.0, 26.0)
TEAM_ALIGNS = ("center", "center", "left", "center", "center", "center")
SCHEDULE_HEADER = ("序号", "检查日期", "星期", "检查组", "区县", "被检学校", "学段")
SCHEDULE_WIDTHS_MM = (10.5, 24.0, 11.0, 27.5, 15.0, 0.0, 24.0)
SCHEDULE_ALIGNS = ("center", "center", "center", "center", "center", "left", "center")
WEEKDAYS = "一二三四五六日"


@dataclass
class NoticeTeam:
    name: str
    leader: str
    members: list[str]
    counties: list[str]
    schools: int
    first: date | None
    last: date | None


@dataclass
class NoticeVisit:
    day: date | None
    team: str
    county: str
    school: str
    level: str


@dataclass
class PlanNotice:
    """Everything the notice says, computed from the campaign."""

    org_name: str
    recipient: str
    campaign_name: str
    checklist_title: str
    issued_on: date
    starts_on: date | None
    ends_on: date | None
    cross_county: bool
    per_day: int
    n_schools: int
    schools_by_county: list[tuple[str, int]]
    schools_by_level: list[tuple[str, int]]
    methods: list[str]
    sample: dict[str, object] | None
    teams: list[NoticeTeam]
    visits: list[NoticeVisit]
    n_inspectors: int = 0
    days_off: list[tuple[date, date]] = field(default_factory=list)


def notice_title(campaign_name: str) -> str:
    """关于开展…的通知, without doubling 开展 when the name already starts with it."""
    name = campaign_name.strip()
    return f"关于{name}的通知" if name.startswith("开展") else f"关于开展{name}的通知"


def render_plan_notice(data: PlanNotice) -> io.BytesIO:
    """Write the notice onto a blank 公文 document (page setup, styles, page numbers) and return the .docx."""
    document = build_base_template()
    gb.clear_body(document)
    gb.ensure_styles(document)
    attachments = [ATTACHMENT_TEAMS, ATTACHMENT_SCHEDULE]

    title = notice_title(data.campaign_name)
    gb.add_title(document, title)
    gb.add_blank_lines(document)
    gb.add_recipient(document, data.recipient)
    gb.add_body(document, _opening(data))
    sections = (
        ("检查时间", _when),
        ("检查范围", _scope),
        ("检查内容和方式", _content),
        ("检查组织", _teams),
        ("工作要求", _requirements),
    )
    for number, (heading, write) in enumerate(sections, start=1):
        gb.add_heading(document, f"{zh_numeral(number)}、{heading}", 1)
        write(document, data)
    gb.add_blank_lines(document)
    gb.add_attachment_note(document, attachments)
    gb.add_signature(document, data.org_name, data.issued_on)

    gb.add_attachment_heading(document, attachments[0], number=1)
    _team_table(document, data)
    gb.add_attachment_heading(document, attachments[1], number=2)
    _schedule_table(document, data)

    props = document.core_properties
    props.title = title
    props.subject = data.campaign_name
    props.author = data.org_name
    props.last_modified_by = data.org_name
    props.created = props.modified = datetime.combine(data.issued_on, time())
    out = io.BytesIO()
    document.save(out)
    out.seek(0)
    return out


def _opening(data: PlanNotice) -> str:
    when = f"于{gb.zh_date_range(data.starts_on, data.ends_on)}" if data.starts_on and data.ends_on else ""
    return (
        f"为深入贯彻落实国家学生资助政策，进一步规范学生资助管理，确保各项资助政策落实到位，经研究，"
        f"{data.org_name}决定{when}开展{data.campaign_name}。现将有关事项通知如下："
    )


def _when(document: Document, data: PlanNotice) -> None:
    if data.starts_on and data.ends_on:
        text = f"{gb.zh_date_range(data.starts_on, data.ends_on)}。"
        if data.days_off:
            text += f"其间{_join(gb.zh_date_range(first, last) for first, last in data.days_off)}不安排检查。"
    elif data.starts_on:
        text = f"自{zh_date(data.starts_on)}起。"
    else:
        text = "具体时间另行通知。"
    if data.visits and any(v.day for v in data.visits):
        text += f"各检查组按附件2所列日程开展检查，每组每日检查{data.per_day}所以内，同一日只在一个{COUNTIES}开展检查。"
    gb.add_body(document, text)


def _scope(document: Document, data: PlanNotice) -> None:
    by_county = _join(f"{name}{n}所" for name, n in data.schools_by_county)
    text = f"本次检查共{len(data.schools_by_county)}个{COUNTIES}的{data.n_schools}所{SCHOOLS}"
    text += f"，其中{by_county}。" if by_county else "。"
    by_level = _join(f"{name}{n}所" for name, n in data.schools_by_level)
    if by_level:
        text += f"按学段分，{by_level}。"
    sample = data.sample
    if sample:
        minimum = int(str(sample.get("minimum") or 0))
        floor = f"每层至少抽取{minimum}所，" if minimum else ""
        text += (
            f"检查学校按{COUNTIES}和学段分层随机抽取，{floor}其余按各层学校数等比例分配"
            f"（随机种子{sample.get('seed')}，可据此复核抽样结果）"
        )
        text += "；有未销号问题的学校全部纳入检查。" if sample.get("include_open_problems") else "。"
    gb.add_body(document, text)


def _content(document: Document, data: PlanNotice) -> None:
    checklist = data.checklist_title.strip().strip("《》")
    methods = f"，采取{_join(data.methods)}等方式" if data.methods else ""
    gb.add_body(
        document,
        f"依据《{checklist}》逐项检查各{SCHOOLS}资助政策落实情况，重点检查家庭经济困难学生认定、资助资金发放、"
        f"资助档案管理、资助育人和政策宣传等工作{methods}。检查结果通过学生资助督查系统现场录入、当日提交。",
    )


def _teams(document: Document, data: PlanNotice) -> None:
    n = len(data.teams)
    people = f"抽调检查人员{data.n_inspectors}名，" if data.n_inspectors else ""
    text = f"本次检查{people}组成{n}个检查组，实行组长负责制，组长对本组检查工作和检查结果负责。" if n \
        else "检查组另行组建。"
    if data.cross_county:
        text += (f"检查采取{COUNTIES}交叉检查方式，检查人员不检查本人所在{COUNTIES}的学校；"
                 "检查人员与被检学校存在利害关系的，应当主动申报并回避。")
    if n:
        text += "检查组人员安排见附件1，检查日程见附件2。"
    gb.add_body(document, text)


def _requirements(document: Document, data: PlanNotice) -> None:
    items = (
        ("高度重视，认真准备。",
         f"各{COUNTIES}教育行政部门和学生资助管理机构要高度重视，督促被检{SCHOOLS}对照检查内容准备资助工作"
         "相关制度、认定材料、发放凭证和资助档案，确保检查工作顺利开展。"),
        ("严守纪律，客观公正。",
         "检查人员要严格遵守中央八项规定及其实施细则精神，严格执行回避制度，轻车简从，不得干扰学校正常教学秩序；"
         "要实事求是、客观公正，对发现的问题逐条记录并留存佐证材料。"),
        ("及时反馈，抓好整改。",
         f"各检查组要在检查结束后及时提交检查结果，{data.org_name}将汇总梳理问题清单，下发整改通知，"
         "督促相关学校限期整改到位。"),
    )
    for number, (heading, body) in enumerate(items, start=1):
        gb.add_heading(document, f"（{zh_numeral(number)}）{heading}", 2, body=body)


def _team_table(document: Document, data: PlanNotice) -> None:
    if not data.teams:
        gb.add_body(document, "检查组另行组建。")
        return
    rows = [
        [str(i), team.name, "\n".join([f"组长：{team.leader}"] + [f"成员：{m}" for m in team.members]),
         "\n".join(team.counties) or "—", str(team.schools), _days(team.first, team.last)]
        for i, team in enumerate(data.teams, start=1)
    ]
    gb.add_table(document, TEAM_HEADER, rows, _widths(TEAM_WIDTHS_MM), aligns=TEAM_ALIGNS, size=gb.SIZE_XIAO4)


def _schedule_table(document: Document, data: PlanNotice) -> None:
    if not data.visits:
        gb.add_body(document, "检查日程另行安排。")
        return
    rows = [
        [str(i), _day(v.day), _weekday(v.day), v.team or "未分组", v.county, v.school, v.level]
        for i, v in enumerate(data.visits, start=1)
    ]
    # A team's day is one county: its date, weekday, team and county cells are merged over its schools,
    # each on one line so that the merged text stays on the lines of the rows beside it.
    groups = [len(list(run)) for _key, run in groupby(data.visits, key=lambda v: (v.day, v.team, v.county))]
    gb.add_table(document, SCHEDULE_HEADER, rows, _widths(SCHEDULE_WIDTHS_MM), aligns=SCHEDULE_ALIGNS,
                 size=gb.SIZE_XIAO4, groups=groups, merge_columns=(1, 2, 3, 4))


def _day(day: date | None) -> str:
    return f"{day.month}月{day.day}日" if day else "待定"


def _weekday(day: date | None) -> str:
    return f"周{WEEKDAYS[day.weekday()]}" if day else ""


def _days(first: date | None, last: date | None) -> str:
    if not first or not last:
        return "待定"
    if first == last:
        return _day(first)
    return f"{_day(first)}至\n{_day(last)}"


def _widths(millimetres: Iterable[float]) -> list[int]:
    """Column widths in twips; the single 0 entry takes whatever the type-area width leaves."""
    widths = [round(mm * 1440 / 25.4) for mm in millimetres]
    widths[widths.index(0)] = gb.TEXT_WIDTH - sum(widths)
    return widths


def _join(items: Iterable[str]) -> str:
    return "、".join(item for item in items if item)
