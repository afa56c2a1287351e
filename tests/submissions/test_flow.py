"""A city sends its 月报, the province returns it with a reason, the city sends it again, the province accepts."""

from __future__ import annotations

import typing as t
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from inspect_app.audit.models import AuditEntry
from inspect_app.core import storage
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.notifications import labels
from inspect_app.notifications.models import Notification
from inspect_app.reports.models import ReportJob
from inspect_app.submissions import services
from inspect_app.submissions.models import Submission
from inspect_app.submissions.models import SubmissionKind
from inspect_app.submissions.models import SubmissionState

from .conftest import PASSWORD
from .conftest import Province
from .conftest import frozen_time
from .conftest import local


def login(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return client


def _notes(user_id: int, kind: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id,
                                                                 Notification.kind == kind)))


def test_submit_return_resubmit_accept(app: Flask, prov: Province, build_job: t.Callable[..., ReportJob]) -> None:
    with frozen_time(local(date(2026, 11, 25))):
        first = build_job(prov.campaign_a, prov.sup_a, month="2026-11")
        city = login(app, "sup_a")
        page = city.get(f"/submissions/cities/{prov.a.id}")
        assert page.status_code == 200 and first.filename in page.text
        response = city.post(f"/submissions/cities/{prov.a.id}/submit",
                             data={"kind": "monthly", "period": "2026-11", "job_id": str(first.id)})
        assert response.status_code == 302
    submission = db.session.scalars(sa.select(Submission)).one()
    assert (submission.state, submission.city_id, submission.report_job_id) == (SubmissionState.SUBMITTED,
                                                                                prov.a.id, first.id)
    assert submission.arrived_at == local(date(2026, 11, 25))
    arrived = _notes(prov.province.id, "submission.arrived")
    assert len(arrived) == 1 and _notes(prov.sup_b.id, "submission.arrived") == []
    with app.test_request_context():
        assert labels.message(arrived[0].kind, arrived[0].params) == "渭南市报送了2026-11的月报。"

    province = login(app, "prov")
    table = province.get("/submissions/province?month=2026-11")
    assert table.status_code == 200 and "渭南市" in table.text and "宝鸡市" in table.text
    download = province.get(f"/submissions/{submission.id}/download")
    assert download.status_code == 200
    assert download.data == storage.read("reports", first.path or "")
    download.close()
    with frozen_time(local(date(2026, 11, 26))):
        assert province.post(f"/submissions/{submission.id}/return", data={"reason": ""}).status_code == 400
        response = province.post(f"/submissions/{submission.id}/return", data={"reason": "缺少逾期问题清单"})
        assert response.status_code == 302
    db.session.expire_all()
    assert submission.state == SubmissionState.RETURNED and submission.return_reason == "缺少逾期问题清单"
    assert "缺少逾期问题清单" in city.get(f"/submissions/cities/{prov.a.id}").text
    assert [n.params["note"] for n in _notes(prov.sup_a.id, "submission.returned")] == ["缺少逾期问题清单"]

    with frozen_time(local(date(2026, 12, 3))):
        second = build_job(prov.campaign_a, prov.sup_a, month="2026-11")
        response = city.post(f"/submissions/cities/{prov.a.id}/submit",
                             data={"kind": "monthly", "period": "2026-11", "job_id": str(second.id)})
        assert response.status_code == 302
    db.session.expire_all()
    assert submission.state == SubmissionState.RESUBMITTED and submission.report_job_id == second.id
    # Lateness is judged by the first arrival: the return was the province's.
    assert submission.arrived_at == local(date(2026, 11, 25))
    assert not services.province_monthly([prov.a], "2026-11", date(2026, 12, 3))[0].late

    assert province.post(f"/submissions/{submission.id}/accept").status_code == 302
    db.session.expire_all()
    assert submission.state == SubmissionState.ACCEPTED
    assert [e.state for e in submission.events] == ["submitted", "returned", "resubmitted", "accepted"]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "submissions")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["submission.submit", "submission.return", "submission.resubmit", "submission.accept"]
    show = city.get(f"/submissions/{submission.id}")
    assert show.status_code == 200 and "缺少逾期问题清单" in show.text
    # Accepted is final: neither side moves it again.
    assert province.post(f"/submissions/{submission.id}/return", data={"reason": "再看看"}).status_code == 409
    assert city.post(f"/submissions/cities/{prov.a.id}/submit",
                     data={"kind": "monthly", "period": "2026-11", "job_id": str(second.id)}).status_code == 409


def test_investigation_report(app: Flask, prov: Province, build_job: t.Callable[..., ReportJob]) -> None:
    with frozen_time(local(date(2026, 12, 20))):
        job = build_job(prov.campaign_a, prov.sup_a)
        period = f"campaign-{prov.campaign_a.id}"
        submission = services.submit(prov.a, SubmissionKind.INVESTIGATION, period, job, actor=prov.sup_a)
        items = services.investigation_items([prov.campaign_a, prov.campaign_b])
    db.session.commit()
    assert submission.campaign_id == prov.campaign_a.id
    assert [(i.city.name, i.due_on, i.late, i.state) for i in items] == [
        ("渭南市", date(2026, 12, 15), True, "submitted"), ("宝鸡市", date(2026, 12, 15), False, "missing")]
    assert items[1].overdue
    page = login(app, "prov").get("/submissions/province?kind=investigation")
    assert page.status_code == 200 and prov.campaign_b.name in page.text


def test_only_the_citys_own_finished_reports_of_the_period(prov: Province,
                                                            build_job: t.Callable[..., ReportJob]) -> None:
    with frozen_time(local(date(2026, 11, 20))):
        job_b = build_job(prov.campaign_b, prov.sup_b, month="2026-11")
        job_a = build_job(prov.campaign_a, prov.sup_a, month="2026-11")
        with pytest.raises(ValidationFailed):
            services.submit(prov.a, SubmissionKind.MONTHLY, "2026-11", job_b, actor=prov.sup_a)
        with pytest.raises(ValidationFailed):  # the job is November's
            services.submit(prov.a, SubmissionKind.MONTHLY, "2026-10", job_a, actor=prov.sup_a)
        with pytest.raises(ValidationFailed):  # a month not yet begun
            services.submit(prov.a, SubmissionKind.MONTHLY, "2026-12", job_a, actor=prov.sup_a)
        with pytest.raises(ValidationFailed):  # another city's campaign
            services.submit(prov.a, SubmissionKind.INVESTIGATION, f"campaign-{prov.campaign_b.id}", job_a,
                            actor=prov.sup_a)
        assert [j.id for j in services.candidate_jobs(prov.a, SubmissionKind.MONTHLY, "2026-11")] == [job_a.id]
        submission = services.submit(prov.a, SubmissionKind.MONTHLY, "2026-11", job_a, actor=prov.sup_a)
        with pytest.raises(InvalidTransition):
            services.submit(prov.a, SubmissionKind.MONTHLY, "2026-11", job_a, actor=prov.sup_a)
        services.accept(submission, actor=prov.province)
        with pytest.raises(InvalidTransition):
            services.accept(submission, actor=prov.province)
