"""资助精准率 and 漏助率: the counts a run keeps, the latest run of each roster, the page, the panel and the command."""

from __future__ import annotations

import json
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.extensions import db
from inspect_app.funds import services as funds
from inspect_app.funds.programmes import Semester
from inspect_app.rosters import precision
from inspect_app.rosters import services
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.fields import SpecialGroup
from inspect_app.rosters.models import ReconciliationRun
from inspect_app.rosters.models import RunStatus
from inspect_app.schools.models import County
from tests.fixtures import Auth
from tests.fixtures import World

from .helpers import ROSTER_HEADERS
from .helpers import csv_bytes
from .helpers import person
from .helpers import row
from .helpers import run as check
from .helpers import table

pytestmark = [pytest.mark.config(ROSTER_JOBS_INLINE=True), pytest.mark.usefixtures("shipped_standards")]

SPRING = Semester(2023, False)
A = ("2161030001", "华州第一小学")   # world.school, in 华州区
B = ("2161020002", "临渭第二小学")   # world.other_school, in 临渭区
P = [person("20120510", f"{n:03d}") for n in range(1, 10)]
OLD = person("20000101", "099")  # 23 at the start of 2023春: an ID_AGE warning, not a discrepancy that counts

# 华州第一小学: 4 paid, 2 with a discrepancy (P0 paid twice, P1 underpaid); 临渭第二小学: 3 paid, none wrong.
ROSTER = [
    row("甲", P[0], school=A[0], school_name=A[1]),
    row("甲", P[0], school=A[0], school_name=A[1]),
    row("乙", P[1], amount="400", school=A[0], school_name=A[1]),
    row("丙", P[2], school=A[0], school_name=A[1]),
    row("丁", P[3], school=A[0], school_name=A[1]),
    row("戊", P[4], school=B[0], school_name=B[1]),
    row("己", OLD, school=B[0], school_name=B[1]),
    row("庚", P[5], school=B[0], school_name=B[1]),
]
# 低保: two entitled at each school, one of them not paid at each.
SPECIAL_HEADERS = ["姓名", "身份证号", "学校标识码", "学校名称"]
SPECIAL = [["丙", P[2], *A], ["辛", P[6], *A], ["戊", P[4], *B], ["壬", P[7], *B]]


def by_school(result: t.Any) -> dict[str, dict[str, t.Any]]:
    return {p["school"]: p for p in result.precision}


def test_the_checks_count_people_paid_wrong_and_entitled_not_paid() -> None:
    special = table(InputKind.SPECIAL, SPECIAL_HEADERS, SPECIAL, label="special1")
    special.group = SpecialGroup.DIBAO
    result = check(table(InputKind.ROSTER, ROSTER_HEADERS, ROSTER), specials=[special])
    assert {"DUP_SCHOOL", "AMOUNT_STANDARD", "ID_AGE", "SPECIAL_UNCOVERED"} <= {d["code"] for d in result.discrepancies}
    counts = by_school(result)
    assert {k: counts[A[1]][k] for k in ("paid", "erroneous", "entitled", "uncovered")} == \
        {"paid": 4, "erroneous": 2, "entitled": 2, "uncovered": 1}
    assert {k: counts[B[1]][k] for k in ("paid", "erroneous", "entitled", "uncovered")} == \
        {"paid": 3, "erroneous": 0, "entitled": 2, "uncovered": 1}
    assert not any("name" in p or "key" in p for p in result.precision)  # counts only


def test_without_a_special_list_the_missed_aid_counts_are_none() -> None:
    result = check(table(InputKind.ROSTER, ROSTER_HEADERS, ROSTER))
    assert by_school(result)[A[1]]["entitled"] is None and by_school(result)[A[1]]["paid"] == 4


def make_run(world: World, *, county: County | None = None, roster: list[list[str]] = ROSTER,
             special: bool = True) -> ReconciliationRun:
    # The standards the migration ships (a PostgreSQL test database is emptied between tests).
    funds.install_shipped_standards(actor=None)
    uploads = [services.Upload(InputKind.ROSTER, "花名册.csv", csv_bytes(ROSTER_HEADERS, roster))]
    if special:
        uploads.append(services.Upload(InputKind.SPECIAL, "低保.csv", csv_bytes(SPECIAL_HEADERS, SPECIAL),
                                       SpecialGroup.DIBAO))
    run = services.create_run(semester="2023春", uploads=uploads, actor=world.supervisor, county=county)
    services.execute_run(run)
    db.session.commit()
    assert run.status == RunStatus.DONE
    return run


def test_rates_per_school_county_and_city_sum_the_counts(app: Flask, world: World) -> None:
    run = make_run(world)
    stored = {s["school"]: s for s in run.summary["precision"]["schools"]}
    assert stored[A[1]]["school_id"] == world.school.id and "DUP_SCHOOL" in run.summary["precision"]["codes"]
    figures = precision.compute(SPRING)
    counties = {c.name: c for c in figures.counties}
    huazhou, linwei = counties["华州区"].counts, counties["临渭区"].counts
    assert huazhou is not None and linwei is not None
    assert (huazhou.precision_rate, huazhou.paid, huazhou.missed_rate, huazhou.entitled) == (50.0, 4, 50.0, 2)
    assert (linwei.precision_rate, linwei.paid, linwei.missed_rate, linwei.entitled) == (100.0, 3, 50.0, 2)
    city = figures.city.counts
    assert city is not None
    assert (city.paid, city.precise, city.precision_rate, city.entitled, city.uncovered, city.missed_rate) == \
        (7, 5, 71.4, 4, 2, 50.0)
    only_huazhou = precision.compute(SPRING, counties=frozenset({world.away.id}))
    assert [c.name for c in only_huazhou.counties] == ["华州区"]


def test_the_latest_finished_run_of_each_roster_counts(app: Flask, world: World) -> None:
    first = make_run(world, county=world.away)
    clean = [r for r in ROSTER if r[1] != P[1] and r[3] == A[1]][:1]  # one correctly paid pupil at 华州第一小学
    second = make_run(world, county=world.away, roster=clean, special=False)
    refused = services.create_run(semester="2023春", actor=world.supervisor, county=world.away, uploads=[
        services.Upload(InputKind.ROSTER, "坏.csv", csv_bytes(ROSTER_HEADERS, [row("甲", P[0], amount="x")]))])
    services.execute_run(refused)
    other_term = services.create_run(semester="2023秋", actor=world.supervisor, county=world.away, uploads=[
        services.Upload(InputKind.ROSTER, "秋.csv", csv_bytes(ROSTER_HEADERS, [row("甲", P[0], semester="2023秋")]))])
    services.execute_run(other_term)
    db.session.commit()
    assert refused.status == RunStatus.FAILED
    assert [r.id for r in precision.latest_runs(SPRING)] == [second.id]
    figures = precision.compute(SPRING)
    (area,) = figures.counties
    assert area.counts is not None and (area.counts.paid, area.counts.erroneous, area.counts.entitled) == (1, 0, None)
    assert area.counts.missed_rate is None
    assert first.id not in {r.id for r in figures.runs}
    # A city-wide run finished later replaces the county's figures for the schools it covers.
    city_run = make_run(world)
    assert {r.id for r in precision.latest_runs(SPRING)} == {second.id, city_run.id}
    counts = {c.name: c.counts for c in precision.compute(SPRING).counties}
    assert counts["华州区"] is not None and counts["华州区"].paid == 4


def test_an_old_run_without_counts_is_not_computed(app: Flask, world: World, runner: t.Any) -> None:
    run = make_run(world, county=world.away)
    summary = dict(run.summary)
    del summary["precision"]
    run.summary = summary
    db.session.commit()
    figures = precision.compute(SPRING)
    assert [(a.name, a.counts, a.not_computed) for a in figures.counties] == [("临渭区", None, 1), ("华州区", None, 1)]
    assert figures.city.counts is None and all(s.counts is None for s in figures.city.schools)
    assert figures.as_json()["counties"][0]["computed"] is False
    out = runner.invoke(args=["rosters", "precision", "--semester", "2023春"])
    assert out.exit_code == 0 and "—" in out.output


def test_the_command_prints_json(app: Flask, world: World, runner: t.Any) -> None:
    make_run(world)
    out = runner.invoke(args=["rosters", "precision", "--semester", "2023春", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["semester"] == "2023春" and data["city"]["precision_rate"] == 71.4
    assert data["city"]["paid"] == 7 and data["city"]["missed_rate"] == 50.0
    school = next(s for c in data["counties"] for s in c["schools"] if s["school"] == A[1])
    assert (school["paid"], school["erroneous"], school["precision_rate"], school["entitled"], school["uncovered"]) \
        == (4, 2, 50.0, 2, 1)
    text = runner.invoke(args=["rosters", "precision", "--semester", "2023春"])
    assert "50.0% (n=4)" in text.output and "71.4% (n=7)" in text.output
    assert runner.invoke(args=["rosters", "precision", "--semester", "nonsense"]).exit_code != 0


def test_the_page_shows_each_county_to_its_own_staff(app: Flask, world: World, auth: Auth, client: t.Any) -> None:
    make_run(world)
    auth.login(world.supervisor)
    page = client.get("/rosters/precision?semester=2023春").get_data(as_text=True)
    assert "华州区" in page and "临渭区" in page and "50.0%" in page and "71.4%" in page and "(n=7)" in page
    auth.logout()
    auth.login(world.county_supervisor)
    page = client.get("/rosters/precision").get_data(as_text=True)
    assert "华州第一小学" in page and "临渭第二小学" not in page and "71.4%" not in page
    data = client.get("/rosters/precision?semester=2023春&format=json").json
    assert [c["name"] for c in data["counties"]] == ["华州区"]
    assert client.get("/rosters/precision?semester=xyz").status_code == 404
    for user in (world.inspector, world.school_contact):
        auth.logout()
        auth.login(user)
        assert client.get("/rosters/precision").status_code == 403


def test_the_dashboard_shows_the_precision_in_the_rates_panel(app: Flask, world: World, auth: Auth,
                                                              client: t.Any) -> None:
    def panel() -> str:
        page = client.get("/overview").get_data(as_text=True)
        return page.split('id="rates"')[1].split("</section>")[0]

    auth.login(world.supervisor)
    assert "/rosters/precision" not in panel() and "%" not in panel()
    make_run(world)
    assert "71.4%" in panel() and "/rosters/precision?semester=2023" in panel()
    auth.logout()
    auth.login(world.county_supervisor)
    assert "50.0%" in panel() and "临渭区" not in panel()


def test_no_run_no_figures(app: Flask, world: World, auth: Auth, client: t.Any) -> None:
    assert precision.compute(SPRING).counties == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReconciliationRun)) == 0
    auth.login(world.supervisor)
    assert client.get("/rosters/precision").status_code == 200
