"""The province's figures: cities side by side, drill-down to counties and schools, scope, flat SQL counts."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
from sqlalchemy import event

from inspect_app.checklists.models import Severity
from inspect_app.dashboard.regions import region_board
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.schools import regions
from inspect_app.schools import services as school_services
from inspect_app.schools.models import SchoolLevel

from ..rosters.test_precision import make_run
from ..surveys.helpers import add_responses
from ..surveys.helpers import open_round
from .province import Province
from .province import build_province


@pytest.fixture
def province(app: t.Any, world: t.Any, make_user: t.Any, make_campaign: t.Any) -> Province:
    return build_province(app, world, make_user, make_campaign)


def _rows(board: t.Any) -> dict[str, t.Any]:
    return {row.name: row for row in board.rows}


def test_each_city_has_its_own_figures(world: t.Any, province: Province) -> None:
    later = local_today() + timedelta(days=10)
    board = region_board(province.centre, campaign=province.campaign, today=later)
    assert board.level == "city"
    rows = _rows(board)
    assert list(rows) == ["渭南市", "宝鸡市"]
    weinan, baoji = rows["渭南市"], rows["宝鸡市"]
    assert (weinan.schools, weinan.visits, weinan.inspected) == (2, 2, 2)
    assert (baoji.schools, baoji.visits, baoji.inspected) == (2, 2, 2)
    assert (weinan.findings, weinan.closed, weinan.overdue) == (2, 1, 0)
    assert (baoji.findings, baoji.closed, baoji.overdue) == (3, 0, 3)
    assert weinan.closed_rate == 50.0 and baoji.closed_rate == 0.0
    assert weinan.overdue_rate == 0.0 and baoji.overdue_rate == 100.0
    assert weinan.by_severity == {Severity.GENERAL: 1, Severity.SEVERE: 1}
    assert baoji.by_section == {"S1": 1, "S2": 2} and weinan.by_section == {"S1": 2}
    assert [name for name, _label in board.sections] == ["S1", "S2"]
    assert (board.total.findings, board.total.closed, board.total.overdue) == (5, 1, 3)
    # Today nothing is overdue: the one rule (open and past its deadline in Beijing).
    assert region_board(province.centre, campaign=province.campaign).total.overdue == 0


def test_drill_down_to_counties_and_schools(world: t.Any, province: Province) -> None:
    counties = _rows(region_board(province.centre, city_id=province.weinan.id))
    assert list(counties) == ["临渭区", "华州区"]
    assert counties["华州区"].findings == 2 and counties["临渭区"].findings == 0
    schools = _rows(region_board(province.centre, county_id=province.weibin.id))
    assert {name: row.findings for name, row in schools.items()} == {"渭滨第一小学": 2, "渭滨第二小学": 1}
    board = region_board(province.centre, county_id=province.weibin.id)
    assert board.level == "school" and board.city == province.baoji


def test_a_city_supervisor_sees_only_their_city(world: t.Any, province: Province) -> None:
    board = region_board(province.baoji_supervisor)
    assert [row.name for row in board.rows] == ["宝鸡市"] and board.total.findings == 3
    counties = region_board(province.baoji_supervisor, city_id=province.weinan.id)
    assert counties.total.findings == 0 and counties.rows == []


def test_typical_problems_per_section(world: t.Any, province: Province) -> None:
    board = region_board(None, campaign=province.campaign, examples=2)
    assert [(e.area, e.school) for e in board.examples["S2"]] == [("宝鸡市", "渭滨第一小学"),
                                                                  ("宝鸡市", "渭滨第二小学")]
    assert board.examples["S1"][0].description == "S1_1不符合要求。"


def test_the_province_page_counts_statements_flat(app: t.Any, world: t.Any, province: Province, make_school: t.Any,
                                                  make_county: t.Any, make_rects: t.Any, client: t.Any,
                                                  auth: t.Any) -> None:
    statements: list[str] = []

    def count(*args: t.Any) -> None:
        statements.append(args[2])

    def queries(url: str) -> int:
        statements.clear()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    # The 两率一度 measured, so that their queries are counted too.
    province.campaign.term = "2023春"
    survey = open_round(province.campaign, province.centre)
    add_responses(survey, world.school, 2)
    add_responses(survey, province.schools[2], 1)
    make_run(world)
    db.session.commit()
    auth.login(province.centre)
    assert "66.7%" in client.get(f"/overview/regions?campaign={province.campaign.id}").text
    urls = ["/overview/regions", f"/overview/regions?city={province.baoji.id}",
            f"/overview/regions?county={province.weibin.id}", f"/overview/regions?campaign={province.campaign.id}"]
    small = [queries(url) for url in urls]
    for n in range(3):
        county = make_county(f"新增{n}县")
        make_school(county)
        make_school(province.weibin)
    add_responses(survey, province.schools[2], 3)
    db.session.commit()
    more = build_province_more(world, province, make_rects)
    assert more > 0
    assert [queries(url) for url in urls] == small


def build_province_more(world: t.Any, province: Province, make_rects: t.Any) -> int:
    """Another city with a school and its problems, to grow every grouping."""
    city = regions.create_city(province.weinan.province, "咸阳市", org_name="咸阳市学生资助管理中心", actor=None)
    county = school_services.create_county("秦都区", city=city, actor=None)
    school = school_services.create_school(code="2104020001", name="秦都第一小学", county=county,
                                           contact_name="联系人", level=SchoolLevel.PRIMARY, actor=None)
    make_rects(school, province.centre, items=("S1_1", "S1_2", "S2_1"))
    db.session.commit()
    return len(regions.cities())


def test_the_page_shows_the_cities_and_drills_down(world: t.Any, province: Province, client: t.Any,
                                                   auth: t.Any) -> None:
    auth.login(province.province_viewer)
    page = client.get(f"/overview/regions?campaign={province.campaign.id}").text
    assert "渭南市" in page and "宝鸡市" in page
    assert f"/overview/regions?city={province.baoji.id}&amp;campaign={province.campaign.id}" in page
    assert f"/visits/?city={province.baoji.id}" in page
    assert f"/rectification/?campaign={province.campaign.id}&amp;city={province.baoji.id}" in page
    assert " style=" not in page and "<svg class=\"bar-svg\"" in page
    counties = client.get(f"/overview/regions?city={province.baoji.id}").text
    assert "渭滨区" in counties and "华州区" not in counties
    schools = client.get(f"/overview/regions?county={province.weibin.id}").text
    assert "渭滨第一小学" in schools and "渭滨第二小学" in schools
    assert "/overview" in client.get("/overview").text and "/overview/regions" in client.get("/overview").text


def test_city_staff_get_their_citys_counties_and_nothing_else(world: t.Any, province: Province, client: t.Any,
                                                              auth: t.Any) -> None:
    auth.login(province.baoji_supervisor)
    page = client.get("/overview/regions").text
    assert "渭滨区" in page and "渭南市" not in page and "华州区" not in page
    assert client.get(f"/overview/regions?city={province.weinan.id}").status_code == 404
    assert client.get(f"/overview/regions?county={world.away.id}").status_code == 404
    assert client.get(f"/overview/regions?county={province.weibin.id}").status_code == 200
    auth.logout()
    auth.login(world.county_supervisor)
    assert "华州第一小学" in client.get("/overview/regions").text
    assert client.get(f"/overview/regions?county={province.weibin.id}").status_code == 404


def test_the_lists_filter_by_city(world: t.Any, province: Province, client: t.Any, auth: t.Any) -> None:
    auth.login(province.centre)
    for url in ("/visits/", "/findings/", "/rectification/"):
        everything = client.get(url).text
        assert 'name="city"' in everything, url
        baoji = client.get(f"{url}?city={province.baoji.id}").text
        weinan = client.get(f"{url}?city={province.weinan.id}").text
        assert "渭滨第一小学" in baoji and "华州第一小学" not in baoji, url
        assert "华州第一小学" in weinan and "渭滨第一小学" not in weinan, url
    # City staff see one city: no city filter to offer.
    auth.logout()
    auth.login(province.baoji_supervisor)
    assert 'name="city"' not in client.get("/findings/").text
