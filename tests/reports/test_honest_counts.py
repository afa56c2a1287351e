"""Reports never overstate: schools not yet inspected are not schools without problems, and only
checklist sections that assess something are named among the areas without problems."""

from __future__ import annotations

import re
import typing as t

import sqlalchemy as sa
from flask import Flask

from inspect_app.checklists.models import ChecklistItem
from inspect_app.checklists.models import ChecklistSection
from inspect_app.checklists.models import ItemType
from inspect_app.core.documents import zh_date
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import Finding
from inspect_app.reports import services
from inspect_app.visits import services as visit_services
from inspect_app.visits.models import Visit
from tests.fixtures import answer_all

from .gbt_checks import check_document


def _form_parts(version_id: int) -> None:
    """Two parts of the form that assess nothing: 基本情况 and 检查组意见, each with a text item."""
    last = db.session.scalar(sa.select(sa.func.max(ChecklistItem.position))
                             .where(ChecklistItem.version_id == version_id)) or 0
    for n, (name, label) in enumerate((("B0", "基本情况"), ("OP", "检查组意见")), start=1):
        section = ChecklistSection(version_id=version_id, name=name, label={"zh": label}, position=100 + n)
        db.session.add(section)
        db.session.flush()
        db.session.add(ChecklistItem(version_id=version_id, section_id=section.id, name=f"{name}_text",
                                     type=ItemType.TEXT, label={"zh": label}, position=last + n))
    # The team's "other problems": a repeat whose item names the area, a fail value for every area.
    repeat = ChecklistItem(version_id=version_id, section_id=section.id, name="other", type=ItemType.REPEAT,
                           label={"zh": "其他问题"}, position=last + 3)
    db.session.add(repeat)
    db.session.flush()
    db.session.add(ChecklistItem(version_id=version_id, section_id=section.id, repeat_id=repeat.id, name="op_area",
                                 type=ItemType.SELECT_ONE, label={"zh": "问题所属方面"}, fail_values=["S1", "S2"],
                                 position=last + 4))
    db.session.flush()


def test_an_unfinished_campaign_counts_only_the_schools_inspected(
        app: Flask, world: t.Any, make_school: t.Callable[..., t.Any], make_user: t.Callable[..., t.Any],
        make_campaign: t.Callable[..., t.Any]) -> None:
    schools = [make_school(world.away) for _ in range(6)]
    campaign = make_campaign(world.supervisor, schools=schools, inspectors=[world.inspector], start=True,
                             code="H6")
    visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id).order_by(Visit.id)).all()
    # One school inspected with a problem and approved; one inspected without problems awaiting approval.
    answer_all(app, visits[0], world.inspector, failing={"S1_1": "领导小组未成立"})
    visit_services.submit_visit(visits[0], actor=world.inspector)
    for finding in db.session.scalars(sa.select(Finding).where(Finding.visit_id == visits[0].id)):
        finding_services.confirm_finding(finding, actor=world.supervisor)
    visit_services.approve_visit(visits[0], actor=world.supervisor)
    answer_all(app, visits[1], world.inspector)
    visit_services.submit_visit(visits[1], actor=world.inspector)
    # A third inspected, its problem still awaiting a decision: not a school without problems.
    answer_all(app, visits[2], world.inspector, failing={"S2_1": "档案混乱"})
    visit_services.submit_visit(visits[2], actor=world.inspector)
    _form_parts(campaign.checklist_version_id)
    db.session.commit()

    report = check_document(services.build("investigation", campaign).data)
    today = zh_date(local_today())
    assert f"截至{today}，已检查3所，尚有3所未检查，以下情况据已检查学校统计。" in report
    assert "已检查的3所学校（幼儿园）中，1所未发现问题，占33.3%；另有1所发现的问题尚待审核确认。" in report
    assert "5所未发现问题" not in report and "83.3%" not in report
    assert "审核确认1所、待审核2所" in report and "尚有3所未检查，正在抓紧推进" in report
    assert "涉及1所学校（幼儿园），占已检查学校数的33.3%" in report
    # Only the sections that hold assessed items are areas of inspection.
    [areas] = re.findall(r"。([^。]*)等方面未发现问题", report)
    assert areas == "档案"
    assert "检查组意见" not in report

    monthly = check_document(services.build("monthly", campaign).data)
    assert f"截至{today}，已检查3所，尚有3所未检查，以下情况据已检查学校统计。" in monthly
    assert "已检查3所（其中审核确认1所），尚有3所未检查" in monthly


def test_a_finished_campaign_says_nothing_about_schools_left(
        app: Flask, world: t.Any, make_user: t.Callable[..., t.Any]) -> None:
    answer_all(app, world.visit, world.inspector)
    visit_services.submit_visit(world.visit, actor=world.inspector)
    visit_services.approve_visit(world.visit, actor=world.supervisor)
    db.session.commit()
    report = check_document(services.build("investigation", world.campaign).data)
    assert "未检查" not in report and "以下情况据已检查学校统计" not in report
    assert "检查的1所学校（幼儿园）中，1所未发现问题，占100%。" in report
    assert "已完成1所学校（幼儿园）的检查并审核确认，完成率100%。" in report
