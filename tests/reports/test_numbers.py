"""Document numbers (发文字号): given once per document when first issued, per kind and year, and kept."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Flask

from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.reports import jobs
from inspect_app.reports import services
from inspect_app.reports.models import IssuedDocument

from .gbt_checks import check_document


def _notice(campaign: t.Any, school: t.Any) -> str:
    return check_document(services.build("notice", campaign, school=school).data, red_header=True, banji=True)


def test_a_notice_is_numbered_when_first_issued_and_keeps_its_number(
        app: Flask, world: t.Any, make_school: t.Callable[..., t.Any], make_campaign: t.Callable[..., t.Any]) -> None:
    year = local_today().year
    first = _notice(world.campaign, world.school)
    assert f"渭资助〔{year}〕1号" in first
    assert f"〔{year}〕　号" not in first and "〕号" not in first
    db.session.commit()
    # Built again (another download, another day): the same number; a second school's notice the next one.
    assert f"渭资助〔{year}〕1号" in _notice(world.campaign, world.school)
    other = make_school(world.away)
    campaign = make_campaign(world.supervisor, schools=[other], code="N2")
    assert f"渭资助〔{year}〕2号" in _notice(campaign, other)
    # Kinds are numbered apart; a school's own report is not numbered by the office.
    services.build("investigation", world.campaign)
    services.build("school-report", world.campaign, school=world.school)
    numbers = db.session.execute(sa.select(IssuedDocument.kind, IssuedDocument.number)
                                 .order_by(IssuedDocument.id)).all()
    assert [tuple(row) for row in numbers] == [("notice", 1), ("notice", 2), ("investigation", 1)]


def test_the_prefix_is_configured_per_kind_and_kept_once_issued(app: Flask, world: t.Any) -> None:
    year = local_today().year
    app.config["DOC_PREFIXES"] = {"notice": "渭资助函"}
    assert f"渭资助函〔{year}〕1号" in _notice(world.campaign, world.school)
    db.session.commit()
    app.config["DOC_PREFIXES"] = {}
    assert f"渭资助函〔{year}〕1号" in _notice(world.campaign, world.school)


def test_the_job_page_shows_the_number_it_was_given(app: Flask, world: t.Any, client: t.Any, auth: t.Any) -> None:
    job = services.request_report(services.ReportRequest("investigation", (world.campaign,)), actor=world.supervisor)
    db.session.commit()
    auth.login(world.supervisor)
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert 'id="job-number" hidden' in page
    assert client.get(f"/reports/jobs/{job.id}/status").get_json()["doc_number"] is None
    jobs.run_inline(job)
    number = f"渭资助〔{local_today().year}〕1号"
    assert number in client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/reports/jobs/{job.id}/status").get_json()["doc_number"] == number
    issued = db.session.scalars(sa.select(IssuedDocument)).one()
    assert issued.issued_by_id == world.supervisor.id and issued.campaign_id == world.campaign.id


def test_a_schools_notice_is_numbered_when_its_first_problem_is_confirmed(
        app: Flask, world: t.Any, make_rects: t.Callable[..., t.Any], client: t.Any, auth: t.Any) -> None:
    year = local_today().year
    (rect,) = make_rects(world.school, world.supervisor, items=("S1_1",), code="C1")
    make_rects(world.school, world.supervisor, items=("S2_1",), code="C2")
    db.session.commit()
    issued = db.session.scalars(sa.select(IssuedDocument).order_by(IssuedDocument.id)).all()
    assert [(d.kind, d.doc_number, d.school_id) for d in issued] == [
        ("notice", f"渭资助〔{year}〕1号", world.school.id), ("notice", f"渭资助〔{year}〕2号", world.school.id)]
    assert issued[0].issued_by_id == world.supervisor.id
    # The school downloads it (a GET, which writes nothing) with its number.
    auth.login(world.school_contact)
    response = client.get(f"/reports/campaigns/{rect.finding.campaign_id}/schools/{world.school.id}/notice.docx")
    assert response.status_code == 200
    assert f"渭资助〔{year}〕1号" in check_document(response.data, red_header=True, banji=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument)) == 2
