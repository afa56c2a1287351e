"""Cities are reminded before a due date and told after it, once each, and not once the report is sent."""

from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask import Flask

from inspect_app.extensions import db
from inspect_app.notifications import labels
from inspect_app.notifications.models import Notification
from inspect_app.reports.models import ReportJob
from inspect_app.submissions import reminders
from inspect_app.submissions import services
from inspect_app.submissions.models import SubmissionKind
from inspect_app.submissions.models import SubmissionReminder

from .conftest import Province
from .conftest import frozen_time
from .conftest import local


def _inbox() -> list[tuple[str, str, str, str]]:
    rows = db.session.execute(
        sa.select(Notification.user_id, Notification.kind, Notification.params)
        .where(Notification.kind.in_(("submission.due_soon", "submission.overdue"))).order_by(Notification.id)).all()
    return [(str(u), k, p["kind"], p["period"]) for u, k, p in rows]


def _run(day: date) -> int:
    with frozen_time(local(day, 8)):
        return reminders.run()


def test_reminded_before_the_due_date_once(app: Flask, prov: Province) -> None:
    assert _run(date(2026, 11, 26)) == 0  # four days before the 30th
    assert _run(date(2026, 11, 27)) == 2  # three days before: each city's supervisor
    a, b = str(prov.sup_a.id), str(prov.sup_b.id)
    assert _inbox() == [(a, "submission.due_soon", "monthly", "2026-11"),
                        (b, "submission.due_soon", "monthly", "2026-11")]
    assert _run(date(2026, 11, 27)) == 0 and _run(date(2026, 11, 28)) == 0  # once per stage
    note = db.session.scalars(sa.select(Notification).where(Notification.kind == "submission.due_soon")).first()
    assert note is not None
    with app.test_request_context():
        assert labels.message(note.kind, note.params) == "渭南市：2026-11的月报应于2026-11-30前报送，还有3天。"


def test_not_reminded_once_sent_and_told_when_overdue(prov: Province, build_job: t.Callable[..., ReportJob]) -> None:
    with frozen_time(local(date(2026, 11, 20))):
        job = build_job(prov.campaign_a, prov.sup_a, month="2026-11")
        services.submit(prov.a, SubmissionKind.MONTHLY, "2026-11", job, actor=prov.sup_a)
    db.session.commit()
    assert _run(date(2026, 11, 28)) == 1  # city B only
    assert _run(date(2026, 12, 1)) == 1  # B's 月报 overdue
    b = str(prov.sup_b.id)
    assert _inbox()[-1] == (b, "submission.overdue", "monthly", "2026-11")
    assert {u for u, *_ in _inbox()} == {b}
    assert _run(date(2026, 12, 2)) == 0


def test_investigation_reports_are_reminded_too(prov: Province) -> None:
    # Due 15 December, fifteen days after the campaigns' last day; November's 月报 are overdue too.
    assert _run(date(2026, 12, 12)) == 4
    assert sorted((kind, k, p) for _u, k, kind, p in _inbox()) == [
        ("investigation", "submission.due_soon", prov.campaign_a.name),
        ("investigation", "submission.due_soon", prov.campaign_b.name),
        ("monthly", "submission.overdue", "2026-11"), ("monthly", "submission.overdue", "2026-11")]


def test_the_database_admits_each_reminder_once(prov: Province) -> None:
    with frozen_time(local(date(2026, 11, 27), 8)):
        planned = reminders.plan()
        assert len(planned) == 2
        # Two workers that planned the same reminders: the second insert finds the row there.
        assert reminders._insert_once(planned[0]) is not None
        assert reminders._insert_once(planned[0]) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionReminder)) == 1
