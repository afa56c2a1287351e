"""A city's documents carry its own issuing office, from the regions data; the province's theirs."""

from __future__ import annotations

import typing as t
from datetime import timedelta

from inspect_app.auth import services as auth_services
from inspect_app.auth.models import Role
from inspect_app.campaigns import services as campaign_services
from inspect_app.db import local_today
from inspect_app.reports.collect.investigation import build_investigation_data
from inspect_app.reports.collect.monthly import build_monthly_data
from inspect_app.reports.collect.school import build_school_data
from inspect_app.schools import regions
from inspect_app.schools import services as school_services
from inspect_app.schools.models import SchoolLevel

from ..fixtures import PASSWORD


def test_a_second_citys_reports_are_issued_by_its_centre_to_the_province(ctx: None, checklist: t.Any) -> None:
    home = regions.home_city()
    baoji = regions.create_city(home.province, "宝鸡市", org_name="宝鸡市学生资助管理中心", actor=None)
    county = school_services.create_county("渭滨区", city=baoji, actor=None)
    school = school_services.create_school(code="2103020001", name="渭滨第一小学", county=county,
                                           level=SchoolLevel.PRIMARY, actor=None)
    boss = auth_services.create_user("baoji", role=Role.SUPERVISOR, password=PASSWORD, city=baoji, actor=None,
                                     check_strength=False)
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="BJ1", name="宝鸡市资助检查", term="2026年秋季学期", checklist_version=checklist,
        default_due_on=today + timedelta(days=30), starts_on=today, actor=boss)
    campaign_services.add_schools(campaign, [school], actor=boss)
    assert campaign.city_id == baoji.id

    report = build_investigation_data(campaign)
    assert (report.org_name, report.recipient, report.city_name) == (
        "宝鸡市学生资助管理中心", home.province.org_name, "宝鸡市")
    notice = build_school_data(campaign, school)
    assert notice.org_name == "宝鸡市学生资助管理中心"
    monthly = build_monthly_data([campaign], today.year, today.month)
    assert monthly.org_name == "宝鸡市学生资助管理中心"
    # The first city keeps the configured office; the province's campaign is the province centre's.
    assert regions.issuer(home.id).org_name == home.org_name
    assert regions.issuer(None).org_name == home.province.org_name
