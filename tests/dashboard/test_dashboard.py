"""The supervisors' overview: figures by county, level, section, severity and campaign, each a link to its rows."""

from __future__ import annotations

import html
import re
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from inspect_app.checklists.models import Severity
from inspect_app.dashboard.services import build_dashboard
from inspect_app.db import LOCAL_TZ
from inspect_app.db import frozen_time
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.rectification import services as rect_services
from inspect_app.rectification.models import Rectification
from inspect_app.rectification.models import RectificationStatus as S
from inspect_app.schools.models import SchoolLevel

from ..rectification.test_services import _ready
from ..rosters.test_precision import make_run
from ..surveys.helpers import add_responses
from ..surveys.helpers import open_round

FIGURE_LINK = re.compile(r'<a[^>]*href="(/rectification/[^"]*)"[^>]*>\s*(?:<span class="figure">)?(\d+)<')
TOTAL = re.compile(r"(\d+) in all")


def _at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


@pytest.fixture
def scene(world, make_rects, make_school):
    """Four problems: at 华州第一小学 one closed in 4 days, one due in 2 days, one submitted and due in 5;
    at a junior school of 临渭区 one not started, due in 30 days."""
    start = local_today() - timedelta(days=10)
    with frozen_time(_at(start)):
        closed, soon, submitted = make_rects(world.school, world.supervisor, items=("S1_1", "S1_2", "S2_1"),
                                             due_in=20)
    with frozen_time(_at(start + timedelta(days=4))):
        _ready(closed, world)
        rect_services.submit(closed, actor=world.school_contact)
        rect_services.close(closed, note=None, actor=world.supervisor)
    junior = make_school(world.home, level=SchoolLevel.JUNIOR, name="临渭初级中学")
    (far,) = make_rects(junior, world.supervisor, due_in=30)
    rect_services.set_due_on(soon, local_today() + timedelta(days=2), actor=world.supervisor)
    rect_services.set_due_on(submitted, local_today() + timedelta(days=5), actor=world.supervisor)
    _ready(submitted, world)
    rect_services.submit(submitted, actor=world.school_contact)
    db.session.commit()
    return {"closed": closed, "soon": soon, "submitted": submitted, "far": far}


def _groups(groups):
    return {g.label: g.figures for g in groups}


def test_the_figures_of_each_breakdown(world, scene) -> None:
    board = build_dashboard(world.supervisor)
    t = board.totals
    assert (t.total, t.closed, t.overdue, t.due_soon, t.submitted) == (4, 1, 0, 2, 1)
    assert t.closure_rate == 25 and t.avg_days_to_close == 4.0
    counties = _groups(board.by_county)
    assert list(counties) == ["临渭区", "华州区"]  # in the order of the county list
    assert (counties["华州区"].total, counties["华州区"].closed, counties["华州区"].due_soon) == (3, 1, 2)
    assert (counties["临渭区"].total, counties["临渭区"].closed) == (1, 0)
    levels = {g.key: g.figures.total for g in board.by_level}
    assert levels == {"primary": 3, "junior": 1}
    sections = {g.key: (g.figures.total, g.figures.closed) for g in board.by_section}
    assert sections == {"S1": (3, 1), "S2": (1, 0)}
    assert [g.label for g in board.by_section] == ["S1 机构与制度", "S2 档案"]
    severities = {g.key: g.figures.total for g in board.by_severity}
    assert severities == {Severity.SEVERE.value: 1, Severity.MAJOR.value: 1, Severity.GENERAL.value: 2}
    assert board.by_status[S.CLOSED] == 1 and board.by_status[S.SUBMITTED] == 1
    assert board.by_status[S.NOT_STARTED] == 2
    assert [g.figures.total for g in board.by_campaign] == [1, 3], "newest campaign first"


def test_one_campaign_at_a_time_and_across_campaigns(world, scene) -> None:
    campaign_id = scene["far"].finding.campaign_id
    board = build_dashboard(world.supervisor, rect_services.RectFilter(campaign_id=campaign_id))
    assert board.totals.total == 1 and [g.label for g in board.by_county] == ["临渭区"]
    assert len(board.by_campaign) == 2, "the table across campaigns stays whole"


def test_overdue_begins_at_midnight_in_beijing(world, scene) -> None:
    due = scene["soon"].due_on
    last_minute = datetime(due.year, due.month, due.day, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    with frozen_time(last_minute):
        board = build_dashboard(world.supervisor)
        assert (board.totals.overdue, board.totals.due_soon) == (0, 2)
    with frozen_time(last_minute + timedelta(minutes=1)):
        board = build_dashboard(world.supervisor)
        assert (board.totals.overdue, board.totals.due_soon) == (1, 1)
        assert _groups(board.by_county)["华州区"].overdue == 1


def test_a_county_supervisor_sees_the_county_only(world, scene, client, auth) -> None:
    board = build_dashboard(world.county_supervisor)
    assert board.totals.total == 3 and [g.label for g in board.by_county] == ["华州区"]
    assert {g.key for g in board.by_level} == {"primary"}
    auth.login(world.county_supervisor)
    page = client.get("/overview").text
    assert 'id="by-county"' not in page
    assert "临渭区" not in page
    assert build_dashboard(world.other_county_supervisor).totals.total == 1


def test_every_figure_links_to_a_list_of_exactly_that_many_rows(world, scene, client, auth) -> None:
    auth.login(world.supervisor)
    client.post("/language", data={"lang": "en"})
    page = client.get("/overview").text
    links = [(html.unescape(url), int(n)) for url, n in FIGURE_LINK.findall(page)]
    assert len(links) > 25
    for url, n in set(links):
        listed = client.get(url).text
        match = TOTAL.search(listed)
        assert match and int(match.group(1)) == n, (url, n)


def test_the_page_draws_charts_without_inline_style_or_script(world, scene, client, auth) -> None:
    auth.login(world.supervisor)
    page = client.get("/overview").text
    assert page.count("<svg class=\"bar-svg\"") >= 8 and "<svg class=\"strip-svg\"" in page
    assert " style=" not in page and "<script>" not in page
    assert re.search(r'<a href="/rectification/\?[^"]*status=closed[^"]*"><rect class="seg seg-closed"', page)


def test_the_number_of_queries_does_not_grow_with_the_data(app, world, scene, make_rects, make_school, make_county,
                                                           client, auth) -> None:
    statements: list[str] = []

    def count(*args) -> None:
        statements.append(args[2])

    def queries() -> int:
        statements.clear()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/overview").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    world.campaign.term = "2023春"
    survey = open_round(world.campaign, world.supervisor)
    add_responses(survey, world.school, 2)
    make_run(world)
    auth.login(world.supervisor)
    small = queries()
    assert client.get("/overview").text.count("66.7%") >= 1
    add_responses(survey, world.other_school, 5)
    for n in range(3):
        county = make_county(f"新增{n}县")
        school = make_school(county, level=list(SchoolLevel)[n + 2])
        make_rects(school, world.supervisor, items=("S1_1", "S1_2", "S2_1"))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rectification)) == 13
    assert queries() == small


def _rates_panel(client, query=""):
    page = client.get(f"/overview{query}").text
    return page.split('id="rates"')[1].split("</section>")[0]


def test_the_rates_panel_shows_the_three_rates_with_n_by_county(world, scene, client, auth) -> None:
    auth.login(world.supervisor)
    empty = _rates_panel(client)
    assert "%" not in empty and empty.count("—") == 6
    world.campaign.term = "2023春"
    survey = open_round(world.campaign, world.supervisor, min_size=2)
    add_responses(survey, world.school, 3)
    make_run(world)
    db.session.commit()
    panel = _rates_panel(client, f"?campaign={world.campaign.id}")
    huazhou = html.unescape(panel.split("华州区")[1].split("</tr>")[0])
    cells = re.findall(r'<td class="num[^"]*">(?:<a[^>]*>)?([^<]*)', huazhou)
    # 政策知晓率 (3 valid respondents), 资助精准率 (4 paid people checked), 群众满意度 (9 answers, 6 favourable).
    assert cells == ["100.0%", "3", "50.0%", "4", "66.7%", "9"]
    assert f"/surveys/{survey.id}" in panel and "/rosters/precision?semester=2023" in panel
    assert "低于90%" in huazhou or "Below 90%" in huazhou
    # 临渭区: no answers yet (—), its roster checked; the city's total below.
    linwei = panel.split("临渭区")[1].split("</tr>")[0]
    assert re.findall(r'<td class="num[^"]*">(?:<a[^>]*>)?([^<]*)', linwei)[:4] == ["—", "—", "100.0%", "3"]
    assert "<tfoot>" in panel and "71.4%" in panel


@pytest.mark.config(RATES_TARGET=0.5)
def test_the_rates_target_is_a_setting(world, scene, client, auth) -> None:
    world.campaign.term = "2023春"
    survey = open_round(world.campaign, world.supervisor, min_size=1)
    add_responses(survey, world.school, 3)
    db.session.commit()
    auth.login(world.supervisor)
    panel = _rates_panel(client)
    assert "66.7%" in panel and "50%" not in panel and "badge-overdue" not in panel
