"""The permission walk one level up: two cities of one province, and accounts at every level.

The scene of ``test_permissions`` is split in two cities: 华州区 stays in the install's first city
(A), 临渭区 moves to a second one (B), with everything in it — its school, its accounts, its county
campaign. Then a city's staff must see exactly what that county's staff see (each city holds one
county), and a province supervisor what the former city-wide supervisor saw: every route of the
GET table is walked for the new accounts against the column of the account they stand for. A city
never reaches the other city's schools, visits, findings, rectifications, files or reports.

Where a city account holds powers a county account has not (the city-wide management pages), the
answer must be the province supervisor's instead: ``CITY_POWERS`` names those routes. A viewer of city B
reads what city B's staff may see, where a viewer may read at all.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.auth import services as auth_services
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns import conflicts
from inspect_app.campaigns.models import Campaign
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.schools import importers
from inspect_app.schools import regions
from inspect_app.schools.models import County
from inspect_app.schools.models import School

from .fixtures import PASSWORD
from .fixtures import World
from .test_permissions import GET_EXPECTED
from .test_permissions import Scene
from .test_permissions import _workbook
from .test_permissions import build_urls
from .test_permissions import changes
from .test_permissions import clients
from .test_permissions import outcome
from .test_permissions import scene  # noqa: F401  (the fixture)
from .test_permissions import snapshot
from .test_permissions import table_row

# New account → the column of the permission table it must answer like.
STANDS_FOR = {
    "city_a_supervisor": "county_supervisor",        # city A holds 华州区 alone
    "city_b_supervisor": "other_county_supervisor",  # city B holds 临渭区 alone
    "province_supervisor": "supervisor",             # the former city-wide supervisor
}
# Pages of city-wide management a county supervisor may not open and a city supervisor may: there a city
# supervisor answers as the province supervisor does (none of them shows another city's objects).
CITY_POWERS = frozenset({
    "campaigns.conflicts", "campaigns.conflicts_template", "campaigns.inspectors", "campaigns.inspectors_template",
    "schools.import_schools", "schools.import_template",
})
# 报送 is the cities' and the province's, not the counties': a city's staff answer for their own city's
# reports (the scene's report is city A's), the province's for all of them.
REPORTING_UP: dict[str, dict[str, t.Any]] = {
    "submissions.index": {"city_a_supervisor": "/submissions/cities/1", "city_b_supervisor": "/submissions/cities/2",
                          "province_supervisor": "/submissions/province"},
    "submissions.province": {"city_a_supervisor": 403, "city_b_supervisor": 403, "province_supervisor": 200},
    **{case: {"city_a_supervisor": 200, "city_b_supervisor": 404, "province_supervisor": 200}
       for case in ("submissions.city", "submissions.show", "submissions.download")},
}
# A campaign's management pages look the campaign up before they ask for a manager: a campaign not seen
# at all answers 404 to a viewer too.
MANAGE_PAGES = frozenset({
    "campaigns.add_schools", "campaigns.edit", "campaigns.sample", "campaigns.team_edit", "campaigns.team_new",
    "campaigns.teams_import", "campaigns.teams_template",
})
# A report or an archive being built belongs to the account that asked for it (the former city-wide
# supervisor): any other account, the new ones included, is answered 404.
PERSONAL = frozenset({
    "archive.job", "archive.job_download", "archive.job_status",
    "reports.job", "reports.job_status", "reports.download", "reports.download_pdf",
})


def _split_cities(world: World) -> dict[str, str]:
    """Move 临渭区 and what belongs to it into a second city; add the city and province accounts."""
    city_a = regions.home_city()
    city_b = regions.create_city(city_a.province, "西安市", org_name="西安市学生资助管理中心", actor=None)
    moved = db.session.get(County, world.home.id)
    assert moved is not None
    moved.city_id = city_b.id
    db.session.execute(sa.update(User).where(User.county_id == moved.id).values(city_id=city_b.id))
    db.session.execute(sa.update(Campaign).where(Campaign.county_id == moved.id).values(city_id=city_b.id))
    # The former city-wide staff become the province's, and their campaigns (W1 in city A, W2 in city B)
    # province campaigns: a city's campaign never visits another city's school.
    db.session.execute(sa.update(User).where(User.id.in_([world.supervisor.id, world.viewer.id])).values(city_id=None))
    db.session.execute(sa.update(Campaign).where(Campaign.county_id.is_(None)).values(city_id=None))
    accounts = {
        "city_a_supervisor": {"city": city_a},
        "city_b_supervisor": {"city": city_b},
        "province_supervisor": {},
        "city_b_viewer": {"city": city_b},
    }
    for name, where in accounts.items():
        role = Role.VIEWER if name.endswith("viewer") else Role.SUPERVISOR
        auth_services.create_user(name, role=role, password=PASSWORD, actor=None,
                                  must_change_password=False, check_strength=False, **where)
    db.session.commit()
    return {name: name for name in accounts}


def test_each_city_sees_what_its_county_saw_and_no_more(app: Flask, scene: Scene,  # noqa: F811
                                                        world: World) -> None:
    names = _split_cities(world)
    urls = build_urls(app, scene, GET_EXPECTED)
    by_role = clients(app, names, roles=[n for n in names if n in STANDS_FOR or n == "city_b_viewer"])
    before = snapshot(app)
    mismatches = []
    for case in sorted(GET_EXPECTED):
        row = table_row(GET_EXPECTED, case)
        for account, column in STANDS_FOR.items():
            if case in PERSONAL:
                expected: t.Any = 404
            elif case in REPORTING_UP:
                expected = REPORTING_UP[case][account]
            elif case in CITY_POWERS and account != "province_supervisor":
                expected = row["supervisor"]
            else:
                expected = row[column]
            got = outcome(by_role[account].get(urls[case]))
            if got != expected:
                mismatches.append(f"GET {case:30} {urls[case]:36} {account:20} expected {expected!s:8} got {got}")
        expected = _city_viewer(case, row)
        got = outcome(by_role["city_b_viewer"].get(urls[case]))
        if got != expected:
            mismatches.append(f"GET {case:30} {urls[case]:36} {'city_b_viewer':20} expected {expected!s:8} got {got}")
    assert not mismatches, f"{len(mismatches)} answer(s) differ:\n" + "\n".join(mismatches)
    assert changes(before, snapshot(app)) == []


def _city_viewer(case: str, row: dict[str, t.Any]) -> t.Any:
    """A viewer of city B: where a viewer may read at all, what city B's staff (临渭区's) may see of it."""
    if case in PERSONAL:
        return 404
    if case in REPORTING_UP:
        return REPORTING_UP[case]["city_b_supervisor"]
    viewer, local = row["viewer"], row["other_county_supervisor"]
    if viewer == 200 and local in (200, 404):
        return local
    if case in MANAGE_PAGES and local == 404:
        return 404  # a campaign the viewer's city cannot see at all: not found before any role is asked
    return viewer


@pytest.mark.parametrize("account", ["city_a_supervisor", "city_b_supervisor"])
def test_city_lists_hold_their_own_city_only(app: Flask, scene: Scene, world: World,  # noqa: F811
                                            account: str) -> None:
    names = _split_cities(world)
    client = clients(app, names, roles=[account])[account]
    mine, theirs = ((world.school, world.other_school) if account == "city_a_supervisor"
                    else (world.other_school, world.school))
    schools = client.get("/schools/").get_data(as_text=True)
    assert mine.name in schools and theirs.name not in schools
    api = client.get("/api/v1/data/schools").get_json()
    codes = {row["code"] for row in api["items"]}
    assert codes == {mine.code}
    for path in ("/api/v1/data/visits", "/api/v1/data/findings", "/api/v1/data/rectifications"):
        rows = client.get(path).get_json()["items"]
        assert rows and all(row["school"]["code"] == mine.code for row in rows), path


def test_a_city_manages_its_own_inspectors_conflicts_and_schools(app: Flask, scene: Scene,  # noqa: F811
                                                                 world: World) -> None:
    _split_cities(world)
    city_a = db.session.scalar(sa.select(User).where(User.username == "city_a_supervisor"))
    city_b = db.session.scalar(sa.select(User).where(User.username == "city_b_supervisor"))
    assert city_a is not None and city_b is not None
    pool_a = {u.username for u in db.session.scalars(conflicts.inspector_query(city_a))}
    pool_b = {u.username for u in db.session.scalars(conflicts.inspector_query(city_b))}
    assert "insp3" in pool_a and not {"insp", "insp2"} & pool_a  # insp3's home is 华州区, in city A
    assert {"insp", "insp2"} <= pool_b and "insp3" not in pool_b
    declared = {c.school_id for c in db.session.scalars(conflicts.conflict_query(city_a))}
    assert world.other_school.id not in declared  # the declared conflict is with 临渭第二小学, in city B
    assert world.other_school.id in {c.school_id for c in db.session.scalars(conflicts.conflict_query(city_b))}

    sheet = _workbook(["学校标识码", "学校名称", "区县", "学段"], ["2161020009", "临渭新校", "临渭区", "小学"],
                      [world.other_school.code, "改名", "华州区", "小学"])
    with pytest.raises(ValidationFailed) as refused:
        importers.import_schools(sheet, filename="schools.xlsx", actor=city_a)
    details = "\n".join(refused.value.details)
    assert "临渭区" in details and world.other_school.code in details
    db.session.rollback()
    assert db.session.scalar(sa.select(School.name).where(School.code == world.other_school.code)) == "临渭第二小学"


def test_the_read_api_pulls_one_citys_data(app: Flask, scene: Scene, world: World) -> None:  # noqa: F811
    """A province platform pulls a city's data with ``city``; a city pulls its own, and another's is empty."""
    names = _split_cities(world)
    city_b = db.session.get(County, world.home.id).city_id  # type: ignore[union-attr]
    by = clients(app, names, roles=["province_supervisor", "city_a_supervisor"])
    rows = by["province_supervisor"].get(f"/api/v1/data/schools?city={city_b}").get_json()["items"]
    assert {r["code"] for r in rows} == {world.other_school.code}
    assert {r["city"]["id"] for r in rows} == {city_b}
    for path in ("findings", "rectifications", "visits"):
        rows = by["province_supervisor"].get(f"/api/v1/data/{path}?city={city_b}").get_json()["items"]
        assert rows and {r["school"]["code"] for r in rows} == {world.other_school.code}, path
    assert by["city_a_supervisor"].get(f"/api/v1/data/findings?city={city_b}").get_json()["items"] == []
    campaigns = by["province_supervisor"].get("/api/v1/data/campaigns").get_json()["items"]
    assert {c["level"] for c in campaigns} >= {"province", "county"}
    bad = by["province_supervisor"].get("/api/v1/data/schools?city=abc")
    assert bad.status_code == 400 and bad.get_json()["details"] == ["city"]
