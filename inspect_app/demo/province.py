"""The province around 渭南市: 陕西省's centre, two smaller cities, a cross-city campaign under way, and 月报 sent up.

渭南市 stays exactly as the rest of the demo builds it (108 schools and 25 problems in the main campaign,
the source report's numbers). 宝鸡市 and 咸阳市 each get three counties of six schools, two inspectors a
county, a supervisor and a small campaign of their own. The province's centre runs a cross-city
inspection sampled across the three cities, its teams mixing cities, nobody visiting a school of their
own city. Last month's 月报 went up from 渭南市 on time and from 宝鸡市 late; 咸阳市's has not arrived.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from ..auth.models import Role
from ..auth.models import User
from ..campaigns import services as campaign_services
from ..campaigns.models import Campaign
from ..campaigns.team_builder import form_teams
from ..checklists.models import ChecklistVersion
from ..extensions import db
from ..reports import jobs as report_jobs
from ..reports import services as report_services
from ..reports.models import ReportJob
from ..schools import regions
from ..schools import services as school_services
from ..schools.models import City
from ..schools.models import County
from ..schools.models import School
from ..schools.models import SchoolLevel
from ..submissions.demo import add_demo_submissions
from .world import World
from .world import at
from .world import happened_at
from .world import term_of

# (city, code, issuing office, supervisor's user name, inspectors' prefix, counties with code and position)
CITIES = [
    ("宝鸡市", "610300", "宝鸡市学生资助管理中心", "baoji", "bj", [
        ("渭滨区", "610302", (34.37, 107.15)), ("金台区", "610303", (34.38, 107.15)),
        ("陈仓区", "610304", (34.35, 107.38))]),
    ("咸阳市", "610400", "咸阳市学生资助管理中心", "xianyang", "xy", [
        ("秦都区", "610402", (34.33, 108.71)), ("渭城区", "610404", (34.36, 108.74)),
        ("三原县", "610422", (34.62, 108.94))]),
]
LEVELS = [SchoolLevel.PRESCHOOL, SchoolLevel.PRIMARY, SchoolLevel.PRIMARY, SchoolLevel.JUNIOR,
          SchoolLevel.JUNIOR, SchoolLevel.SENIOR]
SUFFIX = {SchoolLevel.PRESCHOOL: "中心幼儿园", SchoolLevel.PRIMARY: "小学", SchoolLevel.JUNIOR: "初级中学",
          SchoolLevel.SENIOR: "高级中学"}
PLACES = ["实验", "东关", "西街", "育英", "城南", "新区"]


def province(world: World, version: ChecklistVersion) -> None:
    """Build the province's part of the demo (see the module's description)."""
    today = world.today
    home = regions.home_city()
    home.province.code = "610000"
    home.code = "610500"
    with happened_at(at(today - timedelta(days=90), 9)):
        world.create_account("province", Role.SUPERVISOR, "省资助中心 " + world.person())
        cities = [_city(world, entry) for entry in CITIES]
    for k, city in enumerate(cities):
        _city_campaign(world, city, version, k)
    _cross_city_campaign(world, version)
    _monthly_reports(world, [home, *cities])


def _city(world: World, entry: tuple[str, str, str, str, str, list[tuple[str, str, tuple[float, float]]]]) -> City:
    name, code, org_name, supervisor, prefix, counties = entry
    admin = world.users["admin"]
    city = regions.create_city(regions.home_city().province, name, org_name=org_name, code=code, actor=admin)
    world.create_account(supervisor, Role.SUPERVISOR, f"{name[:-1]}资助中心 " + world.person(), city=city)
    for index, (county_name, county_code, (lat, lon)) in enumerate(counties, start=1):
        county = school_services.create_county(county_name, code=county_code, city=city, actor=admin)
        for n, level in enumerate(LEVELS):
            school_services.create_school(
                code=f"21{county_code[2:6]}{n + 1:04d}", name=f"{county_name[:-1]}{PLACES[n]}{SUFFIX[level]}",
                county=county, level=level, address=f"{name}{county_name}{PLACES[n]}路{n + 3}号",
                contact_name=world.person(), contact_phone=f"0917-{world.rnd.randint(2000000, 8999999)}",
                latitude=Decimal(str(round(lat + world.rnd.uniform(-0.05, 0.05), 6))),
                longitude=Decimal(str(round(lon + world.rnd.uniform(-0.05, 0.05), 6))), actor=admin)
        for k in (1, 2):
            world.create_account(f"{prefix}{index:02d}{k}", Role.INSPECTOR, world.person(), county=county)
    return city


def _city_schools(city: City) -> list[School]:
    return list(db.session.scalars(sa.select(School).join(County).where(County.city_id == city.id)
                                   .order_by(School.code)))


def _city_campaign(world: World, city: City, version: ChecklistVersion, k: int) -> Campaign:
    """A small campaign of the city's own, begun before last month ended: what its 月报 reports on."""
    today = world.today
    starts = today.replace(day=1) - timedelta(days=20)
    term, season = term_of(starts)
    supervisor = next(u for u in world.users.values() if u.role == Role.SUPERVISOR and u.city_id == city.id
                      and u.county_id is None)
    with happened_at(at(starts - timedelta(days=5), 9)):
        campaign = campaign_services.create_campaign(
            code=f"S{city.code}{season}", name=f"{term}{city.name}资助政策落实情况检查", term=term,
            checklist_version=version, default_due_on=starts + timedelta(days=60), starts_on=starts,
            ends_on=starts + timedelta(days=30), actor=supervisor)
        campaign_services.add_schools(campaign, _city_schools(city)[k::6][:3], actor=supervisor)
        form_teams(campaign, size=2, actor=supervisor)
        campaign_services.auto_assign(campaign, actor=supervisor)
        campaign_services.start_campaign(campaign, actor=supervisor)
    return campaign


def _cross_city_campaign(world: World, version: ChecklistVersion) -> Campaign:
    """The province's cross-city inspection under way: sampled by city and level, teams mixing cities."""
    today = world.today
    term, season = term_of(today)
    centre = world.users["province"]
    with happened_at(at(today - timedelta(days=8), 9)):
        campaign = campaign_services.create_campaign(
            code=f"SJ{today.year}{season}", name=f"{term}全省学生资助工作交叉检查", term=term,
            checklist_version=version, default_due_on=today + timedelta(days=60),
            starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=12), level="province",
            actor=centre)
        request = campaign_services.SampleRequest(seed=20261206, size=15, minimum=1)
        campaign_services.apply_sample(campaign, campaign_services.draw_sample(campaign, request), actor=centre)
        # Three teams, each of two cities, so that every city's schools have a team from elsewhere.
        u = world.users
        for n, (leader, *members) in enumerate([("bj011", "xy011", "bj021", "xy021"), ("insp031", "xy031", "insp041"),
                                                 ("insp051", "bj031", "insp061")], start=1):
            campaign_services.save_team(campaign, name=f"省交叉检查第{'一二三'[n - 1]}组", leader=u[leader],
                                        members=[u[m] for m in members], actor=centre)
        campaign_services.auto_assign(campaign, actor=centre)
        campaign_services.start_campaign(campaign, actor=centre)
    return campaign


def _monthly_reports(world: World, cities: list[City]) -> None:
    """Last month's 月报 of each city, built by its supervisor; sent on time, late, or not at all."""
    last_month = world.today.replace(day=1) - timedelta(days=1)
    built: dict[City, list[ReportJob]] = {}
    actors: dict[int, User] = {}
    for city in cities:
        supervisor = next(u for u in world.users.values() if u.role == Role.SUPERVISOR and u.city_id == city.id
                          and u.county_id is None)
        actors[city.id] = supervisor
        campaigns = tuple(c for c in db.session.scalars(
            sa.select(Campaign).where(Campaign.city_id == city.id).order_by(Campaign.id))
            if c.starts_on is not None and c.starts_on <= last_month)
        if not campaigns:
            continue
        with happened_at(at(_report_day(last_month), 16)):
            job = report_services.request_report(
                report_services.ReportRequest("monthly", campaigns, month=(last_month.year, last_month.month)),
                actor=supervisor)
            report_jobs.run_inline(job)
        built[city] = [job]
    late = {cities[1].id}
    missing = {cities[2].id}
    add_demo_submissions(built, late=late, missing=missing, actors=actors)


def _report_day(last_month: date) -> date:
    return last_month - timedelta(days=3)
