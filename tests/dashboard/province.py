"""Two cities of one province inspected by one province campaign, with different figures (for the dashboard
and the 通报 tests).

渭南市 (the world's: 临渭区, 华州区): 华州第一小学 with two problems (S1_1 一般, closed; S1_2 严重, due in 30
days), 临渭第二小学 with none. 宝鸡市 (渭滨区): 渭滨第一小学 with two (S1_1, S2_1) and 渭滨第二小学 with one (S2_1),
all due in 5 days. Every visit submitted.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import timedelta

from inspect_app.auth import services as auth_services
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns.models import Campaign
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.rectification import services as rect_services
from inspect_app.schools import regions
from inspect_app.schools import services as school_services
from inspect_app.schools.models import City
from inspect_app.schools.models import County
from inspect_app.schools.models import School
from inspect_app.schools.models import SchoolLevel
from inspect_app.visits import services as visit_services
from inspect_app.visits.models import Visit

from ..fixtures import PASSWORD
from ..fixtures import World
from ..fixtures import answer_all
from ..rectification.test_services import _ready

FAILING = {"2161030001": ("S1_1", "S1_2"), "2161020002": (), "2103020001": ("S1_1", "S2_1"),
           "2103020002": ("S2_1",)}


@dataclass
class Province:
    weinan: City
    baoji: City
    weibin: County
    schools: list[School]
    campaign: Campaign
    baoji_supervisor: User
    province_viewer: User
    centre: User               # the province centre's supervisor (no city)


def build_province(app: t.Any, world: World, make_user: t.Callable[..., User],
                   make_campaign: t.Callable[..., Campaign]) -> Province:
    weinan = regions.home_city()
    baoji = regions.create_city(weinan.province, "宝鸡市", org_name="宝鸡市学生资助管理中心", actor=None)
    weibin = school_services.create_county("渭滨区", city=baoji, actor=None)
    baoji_schools = [
        school_services.create_school(code=code, name=name, county=weibin, contact_name="联系人",
                                      level=SchoolLevel.PRIMARY, actor=None)
        for code, name in (("2103020001", "渭滨第一小学"), ("2103020002", "渭滨第二小学"))]
    schools = [world.school, world.other_school, *baoji_schools]
    inspector = make_user(Role.INSPECTOR, username="provinsp")
    # The province centre's cross-city campaign (its supervisor works at the province's level: no city).
    centre = make_user(Role.SUPERVISOR, username="centre")
    campaign = make_campaign(centre, schools=schools, inspectors=[inspector], start=True, code="P1")
    campaign.name = "全省学生资助交叉检查"
    visits = {v.school.code: v for v in db.session.scalars(db.select(Visit).where(Visit.campaign_id == campaign.id))}
    for code, items in FAILING.items():
        visit = visits[code]
        answer_all(app, visit, inspector, failing={name: f"{name}不符合要求。" for name in items})
        due = local_today() + timedelta(days=5 if code.startswith("2103") else 30)
        for finding in visit_services.submit_visit(visit, actor=inspector):
            rect = finding_services.confirm_finding(finding, due_on=due, actor=world.supervisor)
            if code == "2161030001" and finding.item.name == "S1_1":
                _ready(rect, world)
                rect_services.submit(rect, actor=world.school_contact)
                rect_services.close(rect, note=None, actor=world.supervisor)
    baoji_supervisor = auth_services.create_user("baoji", role=Role.SUPERVISOR, password=PASSWORD, city=baoji,
                                                 actor=None, check_strength=False)
    province_viewer = make_user(Role.VIEWER, username="province")
    db.session.commit()
    return Province(weinan, baoji, weibin, schools, campaign, baoji_supervisor, province_viewer, centre)
