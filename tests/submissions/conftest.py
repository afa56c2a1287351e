"""Two cities of one province, each with a city supervisor, a county supervisor and a city campaign; the
province's supervisor and viewer above them."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time

import pytest

from inspect_app.auth import services as auth_services
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns.models import Campaign
from inspect_app.db import LOCAL_TZ
from inspect_app.db import frozen_time
from inspect_app.extensions import db
from inspect_app.reports import jobs as report_jobs
from inspect_app.reports import services as report_services
from inspect_app.reports.models import ReportJob
from inspect_app.schools import regions
from inspect_app.schools import services as school_services
from inspect_app.schools.models import City
from inspect_app.schools.models import School
from tests.fixtures import PASSWORD


@dataclass
class Province:
    a: City
    b: City
    sup_a: User
    sup_b: User
    viewer_a: User
    county_a: User
    province: User
    province_viewer: User
    admin: User
    campaign_a: Campaign
    campaign_b: Campaign
    school_a: School
    school_b: School


def _user(username: str, role: Role, **kw: t.Any) -> User:
    return auth_services.create_user(username, role=role, password=PASSWORD, actor=None, check_strength=False, **kw)


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


@pytest.fixture
def prov(ctx: None, make_school: t.Callable[..., School], make_campaign: t.Callable[..., Campaign]) -> Province:
    with frozen_time(NOW):
        return _province(make_school, make_campaign)


# The world is made on 10 November 2026: the campaigns run from then to 30 November.
NOW = datetime(2026, 11, 10, 10, tzinfo=LOCAL_TZ)


def _province(make_school: t.Callable[..., School], make_campaign: t.Callable[..., Campaign]) -> Province:
    a = regions.home_city()
    province = a.province
    b = regions.create_city(province, "宝鸡市", org_name="宝鸡市学生资助管理中心", actor=None)
    county_a = school_services.create_county("临渭区", city=a, actor=None)
    county_b = school_services.create_county("渭滨区", city=b, actor=None)
    school_a, school_b = make_school(county_a, name="临渭一小"), make_school(county_b, name="渭滨一小")
    sup_a, sup_b = _user("sup_a", Role.SUPERVISOR, city=a), _user("sup_b", Role.SUPERVISOR, city=b)
    world = Province(
        a=a, b=b, sup_a=sup_a, sup_b=sup_b, viewer_a=_user("view_a", Role.VIEWER, city=a),
        county_a=_user("county_a", Role.SUPERVISOR, county=county_a),
        province=_user("prov", Role.SUPERVISOR), province_viewer=_user("provview", Role.VIEWER),
        admin=_user("root", Role.ADMIN),
        campaign_a=make_campaign(sup_a, schools=[school_a], start=True, code="A1",
                                 inspectors=[_user("insp_a", Role.INSPECTOR, city=a)]),
        campaign_b=make_campaign(sup_b, schools=[school_b], start=True, code="B1",
                                 inspectors=[_user("insp_b", Role.INSPECTOR, city=b)]),
        school_a=school_a, school_b=school_b,
    )
    db.session.commit()
    return world


@pytest.fixture
def build_job(ctx: None) -> t.Callable[..., ReportJob]:
    """A finished report job: the 月报 of a month, or a campaign's investigation report."""

    def build(campaign: Campaign, actor: User, *, month: str | None = None) -> ReportJob:
        if month:
            year, number = (int(p) for p in month.split("-"))
            request = report_services.ReportRequest("monthly", (campaign,), month=(year, number))
        else:
            request = report_services.ReportRequest("investigation", (campaign,))
        job = report_services.request_report(request, actor=actor)
        report_jobs.run_inline(job)
        db.session.refresh(job)
        assert job.path, job.error
        return job

    return build


__all__ = ["PASSWORD", "Province", "frozen_time", "local"]
