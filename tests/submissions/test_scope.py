"""Scope across two cities: a city sees and acts on its own reports only, a county none, the province all."""

from __future__ import annotations

import typing as t
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.extensions import db
from inspect_app.reports.models import ReportJob
from inspect_app.schools import regions
from inspect_app.submissions import services
from inspect_app.submissions.models import Submission
from inspect_app.submissions.models import SubmissionKind

from .conftest import Province
from .conftest import frozen_time
from .conftest import local
from .test_flow import login


@pytest.fixture
def sent(prov: Province, build_job: t.Callable[..., ReportJob]) -> dict[str, t.Any]:
    """City B's November 月报, sent; city A's job, finished and not sent."""
    with frozen_time(local(date(2026, 11, 20))):
        job_b = build_job(prov.campaign_b, prov.sup_b, month="2026-11")
        job_a = build_job(prov.campaign_a, prov.sup_a, month="2026-11")
        submission = services.submit(prov.b, SubmissionKind.MONTHLY, "2026-11", job_b, actor=prov.sup_b)
    db.session.commit()
    return {"b": submission.id, "job_a": job_a.id, "job_b": job_b.id}


def test_a_city_sees_and_acts_on_its_own_only(app: Flask, prov: Province, sent: dict[str, t.Any]) -> None:
    city_a = login(app, "sup_a")
    assert city_a.get("/submissions/").headers["Location"].endswith(f"/submissions/cities/{prov.a.id}")
    assert city_a.get(f"/submissions/cities/{prov.a.id}").status_code == 200
    for url in (f"/submissions/cities/{prov.b.id}", f"/submissions/{sent['b']}",
                f"/submissions/{sent['b']}/download"):
        assert city_a.get(url).status_code == 404, url
    assert city_a.get("/submissions/province").status_code == 403
    # Sending for the other city, or with the other city's report, is refused.
    assert city_a.post(f"/submissions/cities/{prov.b.id}/submit", data={
        "kind": "monthly", "period": "2026-11", "job_id": str(sent["job_b"])}).status_code == 404
    with frozen_time(local(date(2026, 11, 21))):
        assert city_a.post(f"/submissions/cities/{prov.a.id}/submit", data={
            "kind": "monthly", "period": "2026-11", "job_id": str(sent["job_b"])}).status_code == 400
    # Deciding is the province's.
    assert city_a.post(f"/submissions/{sent['b']}/accept").status_code == 403
    assert city_a.post(f"/submissions/{sent['b']}/return", data={"reason": "x"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1


def test_a_county_and_the_field_have_no_part(app: Flask, prov: Province, sent: dict[str, t.Any]) -> None:
    for username in ("county_a", "insp_a"):
        client = login(app, username)
        for url in ("/submissions/", f"/submissions/cities/{prov.a.id}", "/submissions/province",
                    f"/submissions/{sent['b']}", f"/submissions/{sent['b']}/download"):
            assert client.get(url).status_code == 403, (username, url)
        assert client.post(f"/submissions/cities/{prov.a.id}/submit", data={
            "kind": "monthly", "period": "2026-11", "job_id": str(sent["job_a"])}).status_code == 403
        assert client.post(f"/submissions/{sent['b']}/accept").status_code == 403


def test_a_city_viewer_reads_but_does_not_send(app: Flask, prov: Province, sent: dict[str, t.Any]) -> None:
    viewer = login(app, "view_a")
    assert viewer.get(f"/submissions/cities/{prov.a.id}").status_code == 200
    assert viewer.get(f"/submissions/cities/{prov.b.id}").status_code == 404
    assert viewer.post(f"/submissions/cities/{prov.a.id}/submit", data={
        "kind": "monthly", "period": "2026-11", "job_id": str(sent["job_a"])}).status_code == 403


def test_the_province_sees_all_and_only_its_supervisors_decide(app: Flask, prov: Province,
                                                               sent: dict[str, t.Any]) -> None:
    for username in ("prov", "provview", "root"):
        client = login(app, username)
        assert client.get("/submissions/").headers["Location"].endswith("/submissions/province")
        for url in (f"/submissions/cities/{prov.a.id}", f"/submissions/cities/{prov.b.id}",
                    "/submissions/province", f"/submissions/{sent['b']}"):
            assert client.get(url).status_code == 200, (username, url)
    assert login(app, "provview").post(f"/submissions/{sent['b']}/accept").status_code == 403
    assert login(app, "prov").post(f"/submissions/cities/{prov.a.id}/submit", data={
        "kind": "monthly", "period": "2026-11", "job_id": str(sent["job_a"])}).status_code == 403
    assert login(app, "prov").post(f"/submissions/{sent['b']}/accept").status_code == 302


def _statements(app: Flask, client: t.Any, url: str) -> int:
    count = 0

    def counter(*_args: t.Any) -> None:
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    return count


def test_pages_keep_a_flat_statement_count(app: Flask, prov: Province, sent: dict[str, t.Any],
                                           build_job: t.Callable[..., ReportJob]) -> None:
    province, city = login(app, "prov"), login(app, "sup_a")
    urls = ["/submissions/province?month=2026-11", "/submissions/province?kind=investigation",
            f"/submissions/cities/{prov.a.id}", f"/submissions/cities/{prov.a.id}?kind=investigation"]
    with frozen_time(local(date(2026, 12, 20))):
        build_job(prov.campaign_a, prov.sup_a)
        db.session.commit()
        before = [_statements(app, c, u) for c, u in zip((province, province, city, city), urls, strict=True)]
        for n in range(4):
            regions.create_city(prov.a.province, f"新市{n}", org_name=f"新市{n}学生资助管理中心", actor=None)
        for month in ("2026-11", "2026-12"):
            build_job(prov.campaign_a, prov.sup_a, month=month)
        build_job(prov.campaign_a, prov.sup_a)
        db.session.commit()
        after = [_statements(app, c, u) for c, u in zip((province, province, city, city), urls, strict=True)]
    assert after == before
