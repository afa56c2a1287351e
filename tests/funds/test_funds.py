"""Funds: the report's figures from the synthetic rosters, balances carried from term to term, standards as data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inspect_app.errors import ValidationFailed
from inspect_app.funds import services
from inspect_app.funds.programmes import FundLine
from inspect_app.funds.programmes import FundSource
from inspect_app.funds.programmes import Programme
from inspect_app.funds.programmes import Semester
from inspect_app.funds.programmes import parse_programme
from inspect_app.funds.programmes import parse_semester
from inspect_app.funds.standards import StandardsTable
from inspect_app.rosters import synthetic
from tests.fixtures import World

LEVELS = ["preschool"] * 8 + ["primary"] * 10 + ["junior"] * 5 + ["nine_year"] * 2 + ["senior"] * 2 + ["vocational"]
SCHOOLS = [synthetic.SchoolInfo(f"21{county:04d}{n + 1:04d}", f"学校{county}-{n}", f"61{county:04d}", level)
           for county in range(502, 513) for n, level in enumerate(LEVELS)]


def test_the_synthetic_city_roster_reproduces_the_report_exactly() -> None:
    roster = synthetic.city_roster(SCHOOLS)
    assert len(roster) == 99_773 and roster["身份证号"].is_unique
    totals = synthetic.totals_by_programme(roster)
    assert totals == {
        Programme.SENIOR: (27_187, 27_692_750), Programme.VOCATIONAL: (2_077, 2_077_000),
        Programme.JUNIOR_BOARDING: (20_693, 12_933_125), Programme.PRIMARY_BOARDING: (24_650, 12_325_000),
        Programme.PRESCHOOL: (25_166, 9_437_250),
    }
    assert sum(amount for _n, amount in totals.values()) == 64_465_125
    # Deterministic: the same roster every time.
    assert synthetic.city_roster(SCHOOLS)["身份证号"].tolist()[:50] == roster["身份证号"].tolist()[:50]


def test_the_synthetic_roster_passes_the_checks_it_is_built_for() -> None:
    from datetime import date

    from inspect_app.rosters import checks
    from inspect_app.rosters.fields import InputKind
    from inspect_app.rosters.readers import read_table

    roster = synthetic.city_roster(SCHOOLS[:28])
    table = read_table(roster.to_csv(index=False).encode("utf-8-sig"), filename="r.csv", kind=InputKind.ROSTER,
                       max_bytes=10**9, max_rows=10**6)
    result = checks.run_checks(checks.CheckInputs(semester=synthetic.REPORT_SEMESTER, roster=table,
                                                  standards=StandardsTable.shipped(), today=date(2026, 11, 27)))
    assert result.discrepancies == []


def test_wan_is_written_as_the_report_writes_it() -> None:
    assert services.wan(Decimal("98384500")) == "9,838.45"
    assert services.wan(Decimal("64465125")) == "6,446.5125"
    assert services.wan(Decimal("7533000")) == "753.30"
    assert services.wan(Decimal("2077000")) == "207.70"
    assert services.yuan(Decimal("27692750")) == "27,692,750.00"


def test_balances_carry_from_term_to_term(ctx: None, world: World) -> None:
    spring, autumn = Semester(2023, False), Semester(2023, True)
    services.add_allocation(semester=spring, fund_line=FundLine.SENIOR, source=FundSource.CENTRAL_PROVINCIAL,
                            amount="1000000", actor=world.supervisor)
    services.add_allocation(semester=spring, fund_line=FundLine.SENIOR, source=FundSource.CITY, amount="200000",
                            actor=world.supervisor)
    services.record_payments(spring, [services.PaymentLine(world.school, Programme.SENIOR, 600, Decimal("600000"))],
                             source="test", actor=world.supervisor)
    services.record_payments(autumn, [services.PaymentLine(world.school, Programme.SENIOR, 500, Decimal("500000"))],
                             source="test", actor=world.supervisor)
    first = services.term_figures(spring)
    senior = next(line for line in first.lines if line.fund_line == FundLine.SENIOR)
    assert (senior.upper, senior.city, senior.paid, senior.balance) == (1000000, 200000, 600000, 600000)
    second = next(line for line in services.term_figures(autumn).lines if line.fund_line == FundLine.SENIOR)
    assert (second.brought_forward, second.allocated, second.paid, second.balance) == (600000, 0, 500000, 100000)
    # Recording the same school and programme again replaces the figures.
    services.record_payments(spring, [services.PaymentLine(world.school, Programme.SENIOR, 10, Decimal("10000"))],
                             source="again", actor=world.supervisor)
    assert services.term_figures(spring).total("paid") == 10000


def test_standards_are_data_with_an_effective_semester(ctx: None, world: World) -> None:
    services.install_shipped_standards(actor=None)
    table = services.standards_table()
    assert [s.cents for s in table.tiers(Programme.JUNIOR_BOARDING, Semester(2023, True))] == [62500]
    assert [s.cents for s in table.tiers(Programme.JUNIOR_BOARDING, Semester(2024, False))] == [75000]
    services.save_standard(programme=Programme.PRESCHOOL, effective_from="2026秋", tier=1, amount="500",
                           basis="本地文件", actor=world.admin)
    table = services.standards_table()
    assert table.top_cents(Programme.PRESCHOOL, Semester(2026, True)) == 50000
    assert table.top_cents(Programme.PRESCHOOL, Semester(2026, False)) == 37500
    assert table.fingerprint() != StandardsTable.shipped().fingerprint()
    with pytest.raises(ValidationFailed, match="已有第1档"):
        services.save_standard(programme=Programme.PRESCHOOL, effective_from="2026年秋季学期", tier=1, amount="400",
                               basis="", actor=world.admin)
    with pytest.raises(ValidationFailed, match="不是学期"):
        services.save_standard(programme=Programme.PRESCHOOL, effective_from="明年", tier=1, amount="400", basis="",
                               actor=world.admin)


def test_semesters_and_programmes_as_rosters_write_them() -> None:
    assert parse_semester("2023年春季学期") == parse_semester("2023春") == Semester(2023, False)
    assert parse_semester("２０２３秋") == Semester(2023, True)
    assert parse_semester("2023-2024学年第一学期") == Semester(2023, True)
    assert parse_semester("2023-2024学年第二学期") == Semester(2024, False)
    assert parse_semester("春") is None
    assert parse_programme("普通高中国家助学金") == Programme.SENIOR
    assert parse_programme("中等职业教育国家助学金") == Programme.VOCATIONAL
    assert parse_programme("寄宿生生活补助", "初中") == Programme.JUNIOR_BOARDING
    assert parse_programme("学前困难幼儿生活补助") == Programme.PRESCHOOL
    assert parse_programme("寄宿生生活补助") is None


def test_the_page_opens_on_the_latest_semester_with_data_that_has_begun(app, world: World, client, auth) -> None:
    from inspect_app.db import local_today
    from inspect_app.extensions import db

    current = Semester.containing(local_today())
    ahead = Semester.from_key(current.key + 1)
    assert services.opening_semester([], local_today()) == current
    for term in (Semester(2023, False), ahead):
        services.add_allocation(semester=term, fund_line=FundLine.SENIOR, source=FundSource.CITY, amount="1000",
                                actor=world.supervisor)
    db.session.commit()
    auth.login(world.supervisor)
    page = client.get("/funds/").get_data(as_text=True)
    assert f"· {Semester(2023, False).long_zh}</h1>" in page
    assert 'id="opening-semester"' in page and current.long_zh in page
    services.add_allocation(semester=current, fund_line=FundLine.SENIOR, source=FundSource.CITY, amount="1000",
                            actor=world.supervisor)
    db.session.commit()
    page = client.get("/funds/").get_data(as_text=True)
    assert f"· {current.long_zh}</h1>" in page and 'id="opening-semester"' not in page
    asked = client.get("/funds/?semester=2023春").get_data(as_text=True)
    assert f"· {Semester(2023, False).long_zh}</h1>" in asked and 'id="opening-semester"' not in asked
