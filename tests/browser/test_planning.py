"""Planning a cross-inspection on a 1024×768 touch tablet: sample, team, assign, schedule, progress."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.auth.models import Role
from inspect_app.campaigns import services
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.schools.models import SchoolLevel
from inspect_app.visits.models import Visit

from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser


def test_a_supervisor_plans_a_campaign_on_a_tablet(world, app: Flask, live_server: str, tablet: t.Any,
                                                   make_county, make_school, make_user) -> None:
    tongguan = make_county("潼关县")
    for county in (world.home, world.away, tongguan):
        for k in range(4):
            make_school(county, level=SchoolLevel.PRIMARY if k % 2 else SchoolLevel.PRESCHOOL,
                        name=f"{county.name[:2]}第{k + 1}小学")
    for i, county in enumerate((world.home, world.away, tongguan)):
        make_user(Role.INSPECTOR, username=f"lead{i}", county=county)
    starts = local_today() + timedelta(days=7)
    campaign = services.create_campaign(
        code="JC-TAB", name="春季学期学生资助工作交叉检查", term="2027年春季学期",
        checklist_version=world.campaign.checklist_version, default_due_on=starts + timedelta(days=60),
        starts_on=starts, ends_on=starts + timedelta(days=20), actor=world.supervisor)
    db.session.commit()
    page = tablet
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "city")

    # The first working day is kept free (a meeting, say): set on the campaign's edit page.
    day_off = next(starts + timedelta(days=n) for n in range(7) if (starts + timedelta(days=n)).weekday() < 5)
    page.goto(f"{live_server}/campaigns/{campaign.id}")
    page.locator("a.button", has_text="编辑").tap()
    page.fill("textarea[name=days_off]", day_off.isoformat())
    fits_tablet(page)
    shot(page, "planning-edit")
    page.locator("button", has_text="保存").tap()
    page.wait_for_selector(f"text=不安排检查：{day_off.isoformat()}")

    # Sample: preview nine schools with a seed, then use them.
    page.goto(f"{live_server}/campaigns/{campaign.id}/sample")
    page.fill("input[name=size]", "9")
    page.fill("input[name=seed]", "2027")
    page.locator("button", has_text="预览抽样结果").tap()
    page.wait_for_selector("text=随机种子2027")
    fits_tablet(page)
    shot(page, "planning-sample")
    page.locator("button", has_text="采用此抽样结果").tap()
    page.wait_for_selector("text=已按随机种子2027抽取9所学校")

    # Teams: one per county's inspector, formed on the tablet.
    for i in range(3):
        page.goto(f"{live_server}/campaigns/{campaign.id}/teams/new")
        page.fill("input[name=name]", f"第{i + 1}检查组")
        page.select_option("select[name=leader_id]", label=next(
            o for o in page.locator("select[name=leader_id] option").all_inner_texts() if o.startswith(f"lead{i}")))
        page.locator("button", has_text="保存").tap()
        page.wait_for_selector(f"text=检查组第{i + 1}检查组已保存")
    fits_tablet(page)
    shot(page, "planning-teams")

    # The planner assigns and schedules; the schedule shows each team's days.
    page.locator("button", has_text="自动分配并排期").tap()
    page.wait_for_selector("text=已将9项现场检查分配给3个检查组")
    fits_tablet(page)
    shot(page, "planning-schedule")
    with app.app_context():
        visits = db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)).all()
        assert len(visits) == 9 and all(v.team_id and v.planned_on for v in visits)
        assert all(v.planned_on != day_off for v in visits)
        assert all(v.school.county_id not in v.team.home_county_ids for v in visits)  # type: ignore[union-attr]

    page.locator("nav.tabs a", has_text="检查进度").tap()
    page.wait_for_selector("text=按检查组")
    fits_tablet(page)
    shot(page, "planning-board")
