from __future__ import annotations

import typing as t
from datetime import date

from inspect_app.reports.models import ReportJob
from inspect_app.schools import regions
from inspect_app.submissions import services
from inspect_app.submissions.demo import add_demo_submissions

from .conftest import Province
from .conftest import frozen_time
from .conftest import local


def test_demo_records_submitted_late_and_missing(prov: Province, build_job: t.Callable[..., ReportJob]) -> None:
    third = regions.create_city(prov.a.province, "汉中市", org_name="汉中市学生资助管理中心", actor=None)
    with frozen_time(local(date(2026, 12, 20))):
        jobs = {prov.a: [build_job(prov.campaign_a, prov.sup_a, month="2026-11")],
                prov.b: [build_job(prov.campaign_b, prov.sup_b, month="2026-11")], third: []}
        made = add_demo_submissions(jobs, late={prov.b.id}, missing={third.id}, actors={prov.a.id: prov.sup_a})
        rows = services.province_monthly([prov.a, prov.b, third], "2026-11")
    assert len(made) == 2
    assert [(r.city.name, r.state, r.late, r.overdue) for r in rows] == [
        ("渭南市", "submitted", False, False), ("宝鸡市", "submitted", True, False), ("汉中市", "missing", False, True)]
    assert made[0].arrived_at == local(date(2026, 11, 29)) and made[0].submitted_by_id == prov.sup_a.id
    assert made[1].arrived_at == local(date(2026, 12, 3))


def test_demo_never_sends_after_its_present(prov: Province, build_job: t.Callable[..., ReportJob]) -> None:
    with frozen_time(local(date(2026, 11, 30), 9)):
        job = build_job(prov.campaign_b, prov.sup_b, month="2026-11")
        made = add_demo_submissions({prov.b: [job]}, late={prov.b.id})
    assert made[0].arrived_at == local(date(2026, 11, 30), 9)
