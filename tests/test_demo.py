"""The demo world: what a newcomer sees after `inspect-app demo`."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from docx.shared import Mm
from flask import Flask

from inspect_app.campaigns.models import Campaign
from inspect_app.demo import load_demo
from inspect_app.extensions import db
from inspect_app.findings.models import Finding
from inspect_app.findings.models import FindingStatus
from inspect_app.rectification.models import Rectification
from inspect_app.rectification.models import RectificationStatus
from inspect_app.visits.models import VisitInspector

from .conftest import PG_URL
from .conftest import _truncate_postgres
from .conftest import make_app


@pytest.fixture(scope="module")
def demo(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(database_template, tmp_path_factory.mktemp("demo"))
    with app.app_context():
        assert load_demo()
        db.session.commit()
    yield app
    if PG_URL:
        _truncate_postgres(app)
    with app.app_context():
        db.engine.dispose()


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables
        }


def _main(app: Flask) -> Campaign:
    return db.session.scalar(sa.select(Campaign).where(Campaign.code.like("JC%")))


def test_the_main_campaign_has_108_schools_and_25_confirmed_problems(demo: Flask) -> None:
    with demo.app_context():
        campaign = _main(demo)
        from inspect_app.campaigns.services import campaign_rows

        row = next(r for r in campaign_rows() if r.campaign.id == campaign.id)
        assert (row.schools, row.findings) == (108, 25)
        counties = db.session.scalar(
            sa.text("SELECT COUNT(DISTINCT s.county_id) FROM visits v JOIN schools s ON s.id = v.school_id "
                    "WHERE v.campaign_id = :c"), {"c": campaign.id})
        assert counties == 11


def test_every_rectification_state_is_present_and_some_are_overdue(demo: Flask) -> None:
    with demo.app_context():
        rects = db.session.scalars(sa.select(Rectification)).all()
        assert {r.status for r in rects} == set(RectificationStatus)
        overdue = [r for r in rects if r.is_overdue]
        assert overdue and all(r.status != RectificationStatus.CLOSED for r in overdue)
        assert any(0 <= r.days_left <= 7 for r in rects if r.status != RectificationStatus.CLOSED)
        dismissed = db.session.scalar(sa.select(sa.func.count()).select_from(Finding)
                                      .where(Finding.status == FindingStatus.DISMISSED))
        assert dismissed == 3


def test_nobody_inspected_their_own_county(demo: Flask) -> None:
    with demo.app_context():
        rows = db.session.execute(sa.text(
            "SELECT COUNT(*) FROM visit_inspectors vi JOIN visits v ON v.id = vi.visit_id "
            "JOIN schools s ON s.id = v.school_id JOIN users u ON u.id = vi.user_id "
            "WHERE u.county_id = s.county_id")).scalar()
        assert rows == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitInspector)) > 108


def test_next_terms_campaign_is_scheduled_around_its_day_off(demo: Flask) -> None:
    from inspect_app.visits.models import Visit

    with demo.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code.like("CC%")))
        assert campaign is not None and len(campaign.off_days) == 1
        [meeting] = campaign.off_days
        days = set(db.session.scalars(sa.select(Visit.planned_on).where(Visit.campaign_id == campaign.id)))
        assert meeting.weekday() < 5 and meeting not in days
        assert min(days) < meeting < max(days)


def test_loading_again_changes_nothing(demo: Flask) -> None:
    before = _counts(demo)
    with demo.app_context():
        assert load_demo() is False
        db.session.commit()
    assert _counts(demo) == before


def test_the_report_says_108_schools_and_25_problems_because_the_data_say_so(demo: Flask) -> None:
    with demo.app_context():
        from inspect_app.reports.services import build

        report = build("investigation", _main(demo))
    document = Document(io.BytesIO(report.data))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    assert abs(section.top_margin - Mm(37)) < Mm(0.5) and abs(section.left_margin - Mm(28)) < Mm(0.5)
    text = "\n".join(p.text for p in document.paragraphs)
    assert re.search(r"108\s*所", text) and re.search(r"25\s*个", text)
    assert "11个县" in text.replace("（市、区）", "")
    (problems,) = [t for t in document.tables if any("问题描述" in c.text for c in t.rows[0].cells)]
    assert len(problems.rows) - 1 == 25


def test_the_funds_of_the_demo_are_the_source_reports(demo: Flask) -> None:
    from inspect_app.funds.programmes import Programme
    from inspect_app.funds.programmes import Semester
    from inspect_app.funds.services import term_figures
    from inspect_app.funds.services import wan

    with demo.app_context():
        figures = term_figures(Semester(2023, False))
        assert (wan(figures.total("allocated")), wan(figures.total("upper")), wan(figures.total("city"))) == (
            "9,838.45", "9,085.15", "753.30")
        assert (figures.total("headcount"), wan(figures.total("paid")), wan(figures.total("balance"))) == (
            99_773, "6,446.5125", "3,391.9375")
        by_programme = {p.programme: (p.headcount, wan(p.paid)) for p in figures.programmes}
        assert by_programme == {
            Programme.SENIOR: (27_187, "2,769.275"), Programme.VOCATIONAL: (2_077, "207.70"),
            Programme.JUNIOR_BOARDING: (20_693, "1,293.3125"), Programme.PRIMARY_BOARDING: (24_650, "1,232.50"),
            Programme.PRESCHOOL: (25_166, "943.725"),
        }
    client = demo.test_client()
    client.post("/auth/login", data={"username": "supervisor", "password": "demo1234"})
    page = client.get("/funds/?semester=2023春").get_data(as_text=True)
    for figure in ("9,838.45", "9,085.15", "753.30", "6,446.5125", "3,391.9375", "99,773", "27,692,750.00"):
        assert figure in page


def test_the_demo_has_a_checked_county_roster_with_every_kind_of_mistake(demo: Flask) -> None:
    from inspect_app.rosters.models import ReconciliationRun
    from inspect_app.rosters.models import RunStatus

    with demo.app_context():
        (run,) = db.session.scalars(sa.select(ReconciliationRun)).all()
        assert run.status == RunStatus.DONE and run.county.name == "华州区"
        assert {"ID_CHECKSUM", "ID_AGE", "DUP_SCHOOL", "DUP_CROSS", "AMOUNT_STANDARD", "SYS_MISSING",
                "ROSTER_MISSING", "SYS_AMOUNT", "SYS_PROGRAMME", "NOT_ENROLLED", "SPECIAL_UNCOVERED", "SPECIAL_TIER",
                "REPORTED_COUNT", "REPORTED_TOTAL"} <= set(run.summary["counts"])
        assert "ID_FORMAT" not in run.summary["counts"]
        # 资助精准率 and 漏助率 come from the run's own counts, computed as the run was checked.
        from inspect_app.funds.programmes import Semester
        from inspect_app.rosters import precision

        figures = precision.compute(Semester(2023, False))
        (county,) = figures.counties
        counts = county.counts
        assert county.name == "华州区" and county.not_computed == 0 and counts is not None
        assert 0 < counts.erroneous < counts.paid and counts.precision_rate is not None
        assert counts.entitled and counts.uncovered and counts.missed_rate is not None
    client = demo.test_client()
    client.post("/auth/login", data={"username": "supervisor", "password": "demo1234"})
    assert "资助精准率" in client.get("/overview").get_data(as_text=True)
    assert "华州区" in client.get("/rosters/precision?semester=2023春").get_data(as_text=True)


def test_the_main_campaign_is_scored_from_its_answers_and_decisions(demo: Flask) -> None:
    with demo.app_context():
        from inspect_app.visits.figures import campaign_scores

        campaign = _main(demo)
        scores = campaign_scores(campaign.id)
        confirmed = db.session.execute(
            sa.select(Finding.visit_id, Finding.item_id)
            .where(Finding.campaign_id == campaign.id, Finding.status == FindingStatus.CONFIRMED)).all()
        with_problems = {visit_id for visit_id, _item in confirmed}

        assert len(scores) == 108
        # Full marks wherever nothing was confirmed: 不适用 is left out, dismissed problems pass.
        assert {v for v, s in scores.items() if s.score != 100} == with_problems
        assert all(s.complete and s.full_marks == 100 for s in scores.values())
        vetoed = {v: [i.name for i in s.veto_items] for v, s in scores.items() if s.vetoed}
        assert sorted(name for names in vetoed.values() for name in names) == ["C8", "D6"]


def test_a_draft_revision_of_the_checklist_waits_beside_the_version_in_use(demo: Flask) -> None:
    with demo.app_context():
        from inspect_app.checklists.models import Checklist
        from inspect_app.checklists.models import ChecklistVersion
        from inspect_app.checklists.models import FormKind
        from inspect_app.checklists.models import VersionStatus
        from inspect_app.checklists.services import compare_versions

        # The demo's questionnaires (surveys) are versions too, of forms of another kind.
        versions = db.session.scalars(sa.select(ChecklistVersion).join(Checklist)
                                      .where(Checklist.kind == FormKind.CHECKLIST)
                                      .order_by(ChecklistVersion.id)).all()
        assert [(v.version, v.status) for v in versions] == [("2026.1", VersionStatus.PUBLISHED),
                                                             ("2026.2", VersionStatus.DRAFT)]
        assert {c.checklist_version_id for c in db.session.scalars(sa.select(Campaign))} == {versions[0].id}
        diff = compare_versions(*versions)
        assert [i.name for i in diff.items_added] == ["D10", "D10_note", "D10_photo"]
        assert [e.name for e in diff.items_changed] == ["D7"]
        assert not diff.items_removed and not diff.sections_added


def test_the_main_campaign_has_a_survey_round_whose_rates_show(demo: Flask) -> None:
    with demo.app_context():
        from inspect_app.db import local_today
        from inspect_app.surveys.figures import round_figures
        from inspect_app.surveys.models import SurveyRound

        rounds = db.session.scalars(sa.select(SurveyRound).order_by(SurveyRound.id)).all()
        assert len(rounds) == 2
        main, current = rounds
        assert len(main.links) == 108 and not main.is_open(local_today()) and current.is_open(local_today())
        figures = round_figures(main)
        assert figures.total is not None and figures.total.rates.respondents > 108 * 14
        assert len(figures.counties) == 11
        flags = [row.rates.awareness.small_sample for row in figures.schools]
        assert any(flags) and not all(flags)
        assert any(row.rates.satisfaction.below_target for row in figures.counties)


def test_the_reports_show_the_photos_taken_at_each_confirmed_problem(demo: Flask) -> None:
    from inspect_app.reports.collect import build_investigation_data
    from inspect_app.reports.collect import finding_photos

    with demo.app_context():
        campaign = _main(demo)
        photos = finding_photos(campaign)
        # The demo photographs every failing item at its photo question; each confirmed problem shows its photo.
        assert len(photos) == 25
        assert all(p.item.split()[0] in {f.item.name for f in db.session.scalars(
            sa.select(Finding).where(Finding.campaign_id == campaign.id,
                                     Finding.status == FindingStatus.CONFIRMED))} for p in photos)
        assert build_investigation_data(campaign).photos == photos


def test_every_check_in_agrees_with_its_audit_entry(demo: Flask) -> None:
    from inspect_app.audit.models import AuditEntry
    from inspect_app.visits.models import Visit

    with demo.app_context():
        visits = {v.id: v for v in db.session.scalars(sa.select(Visit).where(Visit.checkin_at.is_not(None)))}
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "visit.checkin")).all()
        assert visits and {e.object_id for e in entries} == set(visits)
        for entry in entries:
            checked_in = visits[entry.object_id].checkin_at
            assert abs((entry.created_at - checked_in).total_seconds()) < 60, (entry.object_id, checked_in)


def test_the_demo_is_a_province_of_three_cities_with_a_cross_city_campaign_and_reports_sent_up(demo: Flask) -> None:
    from inspect_app.auth.models import User
    from inspect_app.schools.models import City
    from inspect_app.submissions.due import is_late
    from inspect_app.submissions.due import monthly_due_on
    from inspect_app.submissions.models import Submission

    with demo.app_context():
        cities = {c.name: c for c in db.session.scalars(sa.select(City))}
        assert set(cities) == {"渭南市", "宝鸡市", "咸阳市"}
        users = {u.username: u for u in db.session.scalars(sa.select(User).where(
            User.username.in_(["province", "supervisor", "baoji", "xianyang"])))}
        assert users["province"].level == "province"
        assert {users[n].city.name for n in ("supervisor", "baoji", "xianyang")} == set(cities)
        cross = db.session.scalar(sa.select(Campaign).where(Campaign.code.like("SJ%")))
        assert cross is not None and cross.city_id is None and cross.status.value == "active"
        visited = set(db.session.scalars(sa.text(
            "SELECT DISTINCT c.city_id FROM visits v JOIN schools s ON s.id = v.school_id "
            "JOIN counties c ON c.id = s.county_id WHERE v.campaign_id = :c"), {"c": cross.id}))
        assert visited == {c.id for c in cities.values()}
        own_city = db.session.execute(sa.text(
            "SELECT COUNT(*) FROM visit_inspectors vi JOIN visits v ON v.id = vi.visit_id "
            "JOIN schools s ON s.id = v.school_id JOIN counties sc ON sc.id = s.county_id "
            "JOIN users u ON u.id = vi.user_id WHERE v.campaign_id = :c AND u.city_id = sc.city_id"),
            {"c": cross.id}).scalar()
        assert own_city == 0
        sent = {s.city.name: s for s in db.session.scalars(sa.select(Submission))}
        assert set(sent) == {"渭南市", "宝鸡市"}  # 咸阳市's 月报 has not arrived
        late = {name: is_late(s.arrived_at, monthly_due_on(s.period)) for name, s in sent.items()}
        assert late == {"渭南市": False, "宝鸡市": True}


def test_the_demo_command_prints_the_accounts_and_does_not_serve_with_no_serve(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch,
                                                                               database_template: str) -> None:
    if PG_URL:
        app = make_app(database_template, tmp_path)
        # The shared database may still hold another test's demo: start from an empty one.
        _truncate_postgres(app)
    else:
        from inspect_app import create_app

        from .conftest import _config

        app = create_app(_config(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    for account in ("admin", "supervisor", "huazhou", "inspector", "school", "viewer", "demo1234"):
        assert account in first.output
    # The steps are shown as they run, each with its time, then the total.
    steps = re.findall(r"\[(\d+)/(\d+)\] .+ … \d+\.\d s", first.output)
    assert steps and [int(n) for n, _total in steps] == list(range(1, int(steps[0][1]) + 1)), first.output
    assert re.search(r"Demo data loaded in \d+\.\d s\.", first.output)
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    if PG_URL:
        _truncate_postgres(app)
    with app.app_context():
        db.engine.dispose()


def test_the_demo_audit_log_is_one_chain_and_the_demo_backs_up(demo: Flask, tmp_path: Path) -> None:
    runner = demo.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit log intact" in result.output, result.output
    out = tmp_path / "demo.tar.gz"
    assert runner.invoke(args=["backup", "create", "--out", str(out)]).exit_code == 0
    result = runner.invoke(args=["backup", "verify", str(out)])
    assert result.exit_code == 0 and "match the manifest" in result.output, result.output
