"""Factory fixtures (Indico style): each returns a callable that builds objects through the services."""

from __future__ import annotations

import itertools
import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from inspect_app.auth import services as auth_services
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import services as campaign_services
from inspect_app.campaigns.models import Campaign
from inspect_app.checklists import services as checklist_services
from inspect_app.checklists.models import ChecklistVersion
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.schools import regions
from inspect_app.schools import services as school_services
from inspect_app.schools.models import City
from inspect_app.schools.models import County
from inspect_app.schools.models import School
from inspect_app.schools.models import SchoolLevel
from inspect_app.visits.models import Visit

DATA = Path(__file__).parent / "data"
PASSWORD = "password123"
_counter = itertools.count(1)


@pytest.fixture
def make_county(ctx: None) -> t.Callable[..., County]:
    def make(name: str | None = None) -> County:
        return school_services.create_county(name or f"测试{next(_counter)}县", actor=None)

    return make


@pytest.fixture
def make_school(ctx: None, make_county: t.Callable[..., County]) -> t.Callable[..., School]:
    def make(county: County | None = None, *, level: SchoolLevel = SchoolLevel.PRIMARY,
             name: str | None = None, code: str | None = None) -> School:
        n = next(_counter)
        return school_services.create_school(
            code=code or f"{9100000000 + n}", name=name or f"第{n}小学", county=county or make_county(),
            level=level, contact_name="联系人", actor=None,
        )

    return make


@pytest.fixture
def make_user(ctx: None) -> t.Callable[..., User]:
    def make(role: Role, *, username: str | None = None, county: County | None = None,
             school: School | None = None, city: City | None = None) -> User:
        """An account; without county and city a supervisor's or viewer's is the province's."""
        return auth_services.create_user(
            username or f"{role.value}{next(_counter)}", role=role, password=PASSWORD, county=county,
            city=city, school=school, actor=None, check_strength=False,
        )

    return make


@pytest.fixture
def checklist(ctx: None) -> ChecklistVersion:
    """The small test checklist (tests/data/mini_checklist.md), published."""
    path = DATA / "mini_checklist.md"
    version, _created = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None,
                                                                 publish=True)
    return version


@pytest.fixture
def make_campaign(ctx: None, checklist: ChecklistVersion) -> t.Callable[..., Campaign]:
    def make(actor: User, *, schools: t.Sequence[School] = (), inspectors: t.Sequence[User] = (),
             start: bool = False, code: str | None = None, due_in: int = 30) -> Campaign:
        today = local_today()
        campaign = campaign_services.create_campaign(
            code=code or f"T{next(_counter)}", name="测试交叉检查", term="2026年秋季学期",
            checklist_version=checklist, default_due_on=today + timedelta(days=due_in),
            starts_on=today, ends_on=today + timedelta(days=20), actor=actor,
        )
        visits = campaign_services.add_schools(campaign, list(schools), actor=actor)
        for inspector in inspectors:
            campaign_services.assign_inspector(visits, inspector, actor=actor)
        if start:
            campaign_services.start_campaign(campaign, actor=actor)
        return campaign

    return make


@dataclass
class World:
    """Two counties with a school each, one account per role, and a started campaign.

    The inspector's home county is ``home``; the inspected school lies in ``away``.
    """

    home: County
    away: County
    school: School
    other_school: School
    admin: User
    supervisor: User
    county_supervisor: User
    other_county_supervisor: User
    inspector: User
    other_inspector: User
    school_contact: User
    other_school_contact: User
    viewer: User
    campaign: Campaign
    visit: Visit

    def by_role(self) -> dict[str, User]:
        return {
            "anonymous": None,  # type: ignore[dict-item]
            "admin": self.admin,
            "supervisor": self.supervisor,
            "county_supervisor": self.county_supervisor,
            "other_county_supervisor": self.other_county_supervisor,
            "inspector": self.inspector,
            "other_inspector": self.other_inspector,
            "school": self.school_contact,
            "other_school": self.other_school_contact,
            "viewer": self.viewer,
        }


@pytest.fixture
def world(ctx: None, make_county: t.Callable[..., County], make_school: t.Callable[..., School],
          make_user: t.Callable[..., User], make_campaign: t.Callable[..., Campaign]) -> World:
    home, away = make_county("临渭区"), make_county("华州区")
    school = make_school(away, name="华州第一小学", code="2161030001")
    other_school = make_school(home, name="临渭第二小学", code="2161020002")
    supervisor = make_user(Role.SUPERVISOR, username="city", city=regions.home_city())
    inspector = make_user(Role.INSPECTOR, username="insp", county=home)
    world = World(
        home=home, away=away, school=school, other_school=other_school,
        admin=make_user(Role.ADMIN, username="root"),
        supervisor=supervisor,
        county_supervisor=make_user(Role.SUPERVISOR, username="huazhou", county=away),
        other_county_supervisor=make_user(Role.SUPERVISOR, username="linwei", county=home),
        inspector=inspector,
        other_inspector=make_user(Role.INSPECTOR, username="insp2", county=home),
        school_contact=make_user(Role.SCHOOL, username="school1", school=school),
        other_school_contact=make_user(Role.SCHOOL, username="school2", school=other_school),
        viewer=make_user(Role.VIEWER, username="boss", city=regions.home_city()),
        campaign=None,  # type: ignore[arg-type]
        visit=None,  # type: ignore[arg-type]
    )
    world.campaign = make_campaign(supervisor, schools=[school], inspectors=[inspector], start=True, code="W1")
    world.visit = db.session.scalars(db.select(Visit).where(Visit.campaign_id == world.campaign.id)).one()
    db.session.commit()
    return world


@pytest.fixture
def make_rects(app: Flask, ctx: None, make_user: t.Callable[..., User],
               make_campaign: t.Callable[..., Campaign]) -> t.Callable[..., list[t.Any]]:
    """Rectifications at a school, through the whole loop: a campaign, a visit with failing items, confirmation.

    ``items`` are the failing checklist items (S1_1, S1_2, S2_1 of the mini checklist), one finding each.
    """
    from inspect_app.findings import services as finding_services
    from inspect_app.visits import services as visit_services

    inspectors: list[User] = []

    def make(school: School, actor: User, *, due_in: int = 30, items: t.Sequence[str] = ("S1_1",),
             code: str | None = None) -> list[t.Any]:
        if not inspectors:
            inspectors.append(make_user(Role.INSPECTOR, username=f"cityinsp{next(_counter)}"))
        campaign = make_campaign(actor, schools=[school], inspectors=inspectors, start=True, code=code)
        visit = db.session.scalars(db.select(Visit).where(Visit.campaign_id == campaign.id)).one()
        answer_all(app, visit, inspectors[0], failing={name: f"{name}不符合要求。" for name in items})
        findings = visit_services.submit_visit(visit, actor=inspectors[0])
        due_on = local_today() + timedelta(days=due_in)
        return [finding_services.confirm_finding(f, due_on=due_on, actor=actor) for f in findings]

    return make


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, user: User | str, password: str = PASSWORD) -> t.Any:
        username = user if isinstance(user, str) else user.username
        return self.client.post("/auth/login", data={"username": username, "password": password})

    def logout(self) -> t.Any:
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def answer_all(app: Flask, visit: Visit, actor: User, *, failing: dict[str, str] | None = None) -> None:
    """Answer every item of the visit: passing, except the ``failing`` items (name → note)."""
    from inspect_app.checklists.models import ItemType
    from inspect_app.visits import services as visit_services

    failing = failing or {}
    for item in visit.checklist_version.items:
        if not item.type.takes_answer or item.type == ItemType.IMAGE:
            continue
        if item.name in failing:
            value, note = item.fail_values[0], failing[item.name]
        elif item.type == ItemType.SELECT_ONE:
            value, note = item.choices[0]["name"], None
        elif item.type == ItemType.DATE:
            value, note = date.today().isoformat(), None
        elif item.type == ItemType.INTEGER:
            value, note = "100", None
        else:
            value, note = "良好", None
        visit_services.save_answer(visit, item, value=value, note=note, actor=actor)
