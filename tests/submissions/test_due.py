"""When reports are due and when they are late: the Python rule and its SQL twin agree."""

from __future__ import annotations

import typing as t
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from inspect_app.db import LOCAL_TZ
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.reports.models import ReportJob
from inspect_app.submissions import due
from inspect_app.submissions import services
from inspect_app.submissions.models import Submission
from inspect_app.submissions.models import SubmissionKind
from inspect_app.submissions.models import SubmissionState

from .conftest import Province
from .conftest import frozen_time
from .conftest import local


@pytest.mark.parametrize(("period", "expected"), [
    ("2026-11", date(2026, 11, 30)), ("2026-04", date(2026, 4, 30)), ("2026-06", date(2026, 6, 30)),
    ("2027-02", date(2027, 2, 28)), ("2028-02", date(2028, 2, 29)), ("2026-12", date(2026, 12, 30)),
])
def test_monthly_report_is_due_on_the_30th_of_its_own_month(ctx: None, period: str, expected: date) -> None:
    assert due.monthly_due_on(period) == expected


@pytest.mark.config(SUBMISSION_MONTHLY_DUE_DAY=5)
def test_the_due_day_is_a_setting(ctx: None) -> None:
    assert due.monthly_due_on("2026-11") == date(2026, 11, 5)


@pytest.mark.config(SUBMISSION_INVESTIGATION_DUE_DAYS=10)
def test_investigation_report_is_due_days_after_the_campaign_ends(prov: Province) -> None:
    assert prov.campaign_a.ends_on == date(2026, 11, 30)
    assert due.investigation_due_on(prov.campaign_a) == date(2026, 12, 10)
    prov.campaign_a.ends_on = None
    assert due.investigation_due_on(prov.campaign_a) is None


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "26-11", "abc", "", "2026-11-01"])
def test_a_month_is_written_yyyy_mm(ctx: None, value: str) -> None:
    with pytest.raises(ValidationFailed):
        due.parse_month(value)


def test_late_means_after_the_due_day_in_beijing(ctx: None) -> None:
    due_on = date(2026, 11, 30)
    assert not due.is_late(datetime(2026, 11, 30, 23, 59, 59, tzinfo=LOCAL_TZ), due_on)
    assert due.is_late(datetime(2026, 12, 1, 0, 0, tzinfo=LOCAL_TZ), due_on)
    # 16:30 UTC on the 30th is already 00:30 on 1 December in Beijing.
    assert due.is_late(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), due_on)
    assert not due.is_late(datetime(2026, 11, 30, 15, 59, tzinfo=UTC), due_on)
    assert not due.is_late(None, due_on) and not due.is_late(datetime(2027, 1, 1, tzinfo=LOCAL_TZ), None)


def test_months_between_newest_first(ctx: None) -> None:
    assert due.months_between((2026, 11), (2027, 2)) == ["2027-02", "2027-01", "2026-12", "2026-11"]
    assert due.months_between((2027, 3), (2027, 2)) == []


def test_a_city_owes_monthly_reports_from_its_first_campaign(prov: Province) -> None:
    with frozen_time(local(date(2027, 1, 5))):
        assert services.monthly_periods(prov.a) == ["2027-01", "2026-12", "2026-11"]


@pytest.mark.config(SUBMISSION_MONTHLY_FROM="2026-09")
def test_or_from_the_configured_month(prov: Province) -> None:
    with frozen_time(local(date(2026, 11, 5))):
        assert services.monthly_periods(prov.a) == ["2026-11", "2026-10", "2026-09"]


def test_late_count_in_sql_agrees_with_is_late(prov: Province, build_job: t.Callable[..., ReportJob]) -> None:
    arrivals = {prov.a: datetime(2026, 11, 30, 23, 59, tzinfo=LOCAL_TZ),
                prov.b: datetime(2026, 12, 1, 0, 1, tzinfo=LOCAL_TZ)}
    for city, at in arrivals.items():
        db.session.add(Submission(city_id=city.id, kind=SubmissionKind.MONTHLY, period="2026-11",
                                  state=SubmissionState.SUBMITTED, arrived_at=at, submitted_at=at,
                                  report_job_id=_job(build_job, prov, city)))
    db.session.flush()
    rows = services.province_monthly([prov.a, prov.b], "2026-11", today=date(2026, 12, 2))
    assert [r.late for r in rows] == [False, True]
    assert services.late_count("2026-11") == 1 == sum(r.late for r in rows)


def _job(build_job: t.Callable[..., ReportJob], prov: Province, city: t.Any) -> int:
    campaign, actor = (prov.campaign_a, prov.sup_a) if city is prov.a else (prov.campaign_b, prov.sup_b)
    with frozen_time(local(date(2026, 11, 20))):
        return build_job(campaign, actor, month="2026-11").id
