"""The plan as documents: the .xlsx workbook and the 检查工作安排 notice (.docx)."""

from __future__ import annotations

import re
import typing as t
from datetime import date

import pandas as pd
import sqlalchemy as sa

from ..auth.models import User
from ..checklists.models import ChecklistItem
from ..core.spreadsheets import write_xlsx
from ..db import local_today
from ..extensions import db
from ..schools import regions
from ..schools.models import SchoolLevel
from .models import Campaign
from .models import VisitStatus
from .progress import plan_visits
from .teams import team_rows

VISIT_STATUS_ZH = {VisitStatus.PLANNED: "待检查", VisitStatus.IN_PROGRESS: "检查中", VisitStatus.SUBMITTED: "已提交",
                   VisitStatus.APPROVED: "已通过", VisitStatus.RETURNED: "已退回"}


def _person(user: User) -> str:
    return f"{user.display_name}（{user.county.name if user.county else '市直'}）"


def plan_workbook(campaign: Campaign, viewer: User | None = None) -> tuple[bytes, int]:
    """The plan as .xlsx: one row per visit (school, county, level, team, members with home counties, date),
    a sheet of teams and, for a sampled campaign, the sample's parameters. Returns the bytes and the row count.
    """
    visits = plan_visits(campaign, viewer)
    rows = []
    for number, visit in enumerate(visits, start=1):
        leader = next((a.user for a in visit.assignments if a.is_leader), None)
        others = [a.user for a in visit.assignments if not a.is_leader]
        rows.append([number, visit.school.code, visit.school.name, visit.school.county.name, visit.school.level.zh,
                     visit.team.name if visit.team else "", _person(leader) if leader else "",
                     "、".join(_person(u) for u in others), visit.planned_on.isoformat() if visit.planned_on else "",
                     VISIT_STATUS_ZH[visit.status]])
    plan = pd.DataFrame(rows, columns=["序号", "学校标识码", "学校名称", "区县", "学段", "检查组", "组长（所属区县）",
                                       "成员（所属区县）", "检查日期", "状态"])
    team_sheet = []
    for row in team_rows(campaign, viewer):
        team = row.team
        team_sheet.append([team.name, _person(team.leader) if team.leader else "",
                           "、".join(_person(u) for u in team.users if u is not team.leader),
                           "、".join(row.counties), row.visits, row.days,
                           row.first.isoformat() if row.first else "", row.last.isoformat() if row.last else ""])
    teams = pd.DataFrame(team_sheet, columns=["检查组", "组长（所属区县）", "成员（所属区县）", "检查区县（所数）",
                                              "学校数", "检查天数", "开始日期", "结束日期"])
    sheets = {"检查安排": plan, "检查组": teams}
    if campaign.sample:
        sheets["抽样参数"] = _sample_sheet(campaign.sample)
    return write_xlsx(sheets), len(rows)


def _sample_sheet(sample: dict[str, t.Any]) -> pd.DataFrame:
    levels = {lvl.value: lvl.zh for lvl in SchoolLevel}
    lines: list[list[t.Any]] = [
        ["随机种子", sample.get("seed")],
        ["样本量", sample.get("drawn")],
        ["总体学校数", sample.get("population")],
        ["抽样比例", sample.get("fraction")],
        ["每层最少", sample.get("minimum")],
        ["限定学段", "、".join(levels.get(v, v) for v in sample.get("levels") or []) or "全部"],
        ["必查学校", "、".join(sample.get("include") or []) or "无"],
        ["排除学校", "、".join(sample.get("exclude") or []) or "无"],
        ["纳入有未销号问题的学校", "是" if sample.get("include_open_problems") else "否"],
        ["抽样时间", sample.get("drawn_at")],
        ["操作人", sample.get("drawn_by")],
        ["", ""],
        ["区县 / 学段", "总体 → 样本"],
    ]
    for stratum in sample.get("strata") or []:
        region = stratum.get("county") or stratum.get("city", "")
        lines.append([f"{region} {levels.get(stratum['level'], stratum['level'])}",
                      f"{stratum['population']} → {stratum['size']}"])
    return pd.DataFrame(lines, columns=["项目", "值"])


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def plan_notice(campaign: Campaign) -> bytes:
    """The campaign's 检查工作安排 notice as a GB/T 9704 Word document, every figure from the plan."""
    # plan_docx loads python-docx, a heavy library this one download alone needs.
    from . import plan_docx

    visits = plan_visits(campaign)
    by_county: dict[tuple[int, str], int] = {}
    by_level: dict[SchoolLevel, int] = {}
    for visit in visits:
        key = (visit.school.county.position, visit.school.county.name)
        by_county[key] = by_county.get(key, 0) + 1
        by_level[visit.school.level] = by_level.get(visit.school.level, 0) + 1
    teams = []
    for row in team_rows(campaign):
        team = row.team
        teams.append(plan_docx.NoticeTeam(
            team.name, _person(team.leader) if team.leader else "",
            [_person(u) for u in team.users if u is not team.leader],
            [c.rsplit(" ", 1)[0] for c in row.counties], row.visits, row.first, row.last,
        ))
    methods: dict[str, int] = {}
    for (method,) in db.session.execute(sa.select(ChecklistItem.method).where(
            ChecklistItem.version_id == campaign.checklist_version_id, ChecklistItem.method.is_not(None))):
        for part in re.split(r"[、，,;；/＋+]", method or ""):
            name = re.sub(r"[（(].*?[）)]", "", part).strip()
            if name:
                methods[name] = methods.get(name, 0) + 1
    version = campaign.checklist_version
    data = plan_docx.PlanNotice(
        org_name=regions.issuer(campaign.city_id).org_name,
        recipient=f"各{'县（市、区）教育局' if campaign.county_id is None else '有关学校（幼儿园）'}",
        campaign_name=campaign.name,
        checklist_title=version.title.get("zh") or version.display_title,
        issued_on=local_today(),
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        cross_county=campaign.cross_county,
        per_day=campaign.visits_per_day,
        n_schools=len(visits),
        schools_by_county=[(name, n) for (_pos, name), n in sorted(by_county.items())],
        schools_by_level=[(level.zh, by_level[level]) for level in SchoolLevel if level in by_level],
        methods=sorted(methods, key=lambda m: -methods[m])[:6],
        sample=campaign.sample,
        teams=teams,
        visits=[plan_docx.NoticeVisit(v.planned_on, v.team.name if v.team else "", v.school.county.name, v.school.name,
                            v.school.level.zh)
                for v in sorted(visits, key=lambda v: (v.planned_on or date.max, v.team.position if v.team else 1 << 30,
                                                       v.school.county.position, v.school.code))],
        n_inspectors=len({m.user_id for team in campaign.teams for m in team.members}),
        days_off=campaign.days_off_runs,
    )
    return plan_docx.render_plan_notice(data).getvalue()
