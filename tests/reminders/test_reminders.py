"""Deadline reminders: the right people, on the right Beijing day, in the app and by e-mail, each exactly once."""

from __future__ import annotations

import threading
import typing as t
from collections import Counter
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from inspect_app.db import frozen_time
from inspect_app.extensions import db
from inspect_app.notifications.models import Notification
from inspect_app.rectification import services as rect_services
from inspect_app.reminders import services
from inspect_app.reminders.cli import run
from inspect_app.reminders.models import MailStatus
from inspect_app.reminders.models import Reminder
from inspect_app.reminders.models import ReminderKind as K

from ..rectification.test_services import _ready
from . import fake_smtp


@pytest.fixture
def smtp(app: Flask) -> Iterator[fake_smtp.FakeSMTP]:
    state, stop = fake_smtp.start()
    app.config.update(MAIL_SERVER=state.host, MAIL_PORT=state.port, MAIL_SENDER="zizhu@weinan.test",
                      BASE_URL="https://zizhu.weinan.test/app")
    yield state
    stop()


@pytest.fixture
def people(world):
    world.school_contact.email = "school1@weinan.test"
    world.supervisor.email = "city@weinan.test"
    world.county_supervisor.email = "huazhou@weinan.test"
    db.session.commit()
    return world


def _reminders() -> list[tuple[int, str, str]]:
    rows = db.session.execute(sa.select(Reminder.rectification_id, Reminder.kind, Reminder.user_id)
                              .order_by(Reminder.id))
    return [(r, k.value, u) for r, k, u in rows]


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.parametrize(("days_left", "kind"), [
    (30, None), (8, None), (7, K.DUE_IN_7), (2, K.DUE_IN_7), (1, K.DUE_IN_1), (0, K.DUE_IN_1),
    (-1, K.OVERDUE), (-40, K.OVERDUE),
])
def test_the_stage_follows_the_days_left(days_left, kind) -> None:
    assert services.reminder_kind(days_left) == kind


def test_who_is_reminded_and_when(people, make_rects) -> None:
    w = people
    week, tomorrow, today, later = (make_rects(w.school, w.supervisor, due_in=d)[0] for d in (7, 1, 0, 8))
    services.create_due_reminders()
    school = w.school_contact.id
    assert _reminders() == [(today.id, "due_1", school), (tomorrow.id, "due_1", school), (week.id, "due_7", school)]
    assert later.id not in {r for r, _k, _u in _reminders()}
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind.like("reminder.%"))).all()
    assert {(n.rectification_id, n.params["days"]) for n in notes} == {(today.id, 0), (tomorrow.id, 1), (week.id, 7)}

    # Three days on, two have passed their deadline: the school and the supervisors in scope hear of it.
    with frozen_time(datetime.now(UTC) + timedelta(days=3)):
        created = services.create_due_reminders()
    overdue = sorted((r.rectification_id, r.user_id) for r in created if r.kind == K.OVERDUE)
    in_scope = sorted([school, w.supervisor.id, w.county_supervisor.id])
    assert overdue == sorted((rid, uid) for rid in (today.id, tomorrow.id) for uid in in_scope)
    assert all(r.user_id not in (w.other_county_supervisor.id, w.viewer.id, w.admin.id) for r in created)
    assert not [r for r in created if r.rectification_id == week.id], "its week reminder went out already"


def test_the_school_is_not_chased_while_its_work_awaits_verification(people, make_rects) -> None:
    w = people
    submitted, closed = make_rects(w.school, w.supervisor, due_in=1, items=("S1_1", "S2_1"))
    for rect in (submitted, closed):
        _ready(rect, w)
        rect_services.submit(rect, actor=w.school_contact)
    rect_services.close(closed, note=None, actor=w.supervisor)
    assert services.create_due_reminders() == []
    with frozen_time(datetime.now(UTC) + timedelta(days=2)):
        created = services.create_due_reminders()
    assert sorted(r.user_id for r in created) == sorted([w.supervisor.id, w.county_supervisor.id])
    assert {r.rectification_id for r in created} == {submitted.id}


def test_overdue_starts_at_midnight_in_beijing(people, make_rects) -> None:
    (rect,) = make_rects(people.school, people.supervisor, due_in=3)
    due = rect.due_on
    last_minute = datetime(due.year, due.month, due.day, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    with frozen_time(last_minute):
        assert [r.kind for r in services.create_due_reminders()] == [K.DUE_IN_1]
    with frozen_time(last_minute + timedelta(minutes=1)):  # 00:00 the next day in Beijing, same UTC date
        assert {r.kind for r in services.create_due_reminders()} == {K.OVERDUE}


def test_an_extension_is_a_new_deadline_with_its_own_reminders(people, make_rects) -> None:
    (rect,) = make_rects(people.school, people.supervisor, due_in=5)
    assert [r.kind for r in services.create_due_reminders()] == [K.DUE_IN_7]
    request = rect_services.request_extension(rect, reason="理由。", proposed_due_on=rect.due_on + timedelta(days=2),
                                              actor=people.school_contact)
    rect_services.approve_extension(request, due_on=rect.due_on + timedelta(days=2), note=None,
                                    actor=people.supervisor)
    again = services.create_due_reminders()
    assert [(r.kind, r.due_on) for r in again] == [(K.DUE_IN_7, rect.due_on)]


def test_running_twice_sends_everything_once(app, people, make_rects, smtp, runner) -> None:
    make_rects(people.school, people.supervisor, due_in=1)
    with frozen_time(datetime.now(UTC) + timedelta(days=2)):
        first = runner.invoke(args=["reminders", "send"])
        assert first.exit_code == 0, first.output
        assert "3 new reminder(s) in the app, 3 e-mail(s) sent." in first.output
        second = runner.invoke(args=["reminders", "send"])
        assert second.exit_code == 0 and second.output == ""
    assert _count(Reminder) == 3 and _count(Notification) >= 3
    assert sorted(m.recipients[0] for m in smtp.messages) == [
        "city@weinan.test", "huazhou@weinan.test", "school1@weinan.test"]
    assert {r.mail_status for r in db.session.scalars(sa.select(Reminder))} == {MailStatus.SENT}


def test_two_runs_at_the_same_moment_send_each_reminder_once(app, people, make_rects, smtp) -> None:
    for due_in in (1, 1, 7):
        make_rects(people.school, people.supervisor, due_in=due_in)
    db.session.commit()
    expected = len(services.plan())
    start = threading.Barrier(2)
    results: list[t.Any] = []

    def worker() -> None:
        with app.app_context():
            start.wait(timeout=10)
            try:
                results.append(run())
            except Exception as exc:  # noqa: BLE001 (reported below)
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.created for r in results) == expected == _count(Reminder)
    assert sum(r.mailed for r in results) == expected == len(smtp.messages)
    keys = Counter(_reminders())
    assert keys and max(keys.values()) == 1
    notes = db.session.scalars(sa.select(Notification.rectification_id)
                               .where(Notification.kind.like("reminder.%"))).all()
    assert len(notes) == expected


def test_the_database_itself_admits_a_reminder_once(people, make_rects) -> None:
    (rect,) = make_rects(people.school, people.supervisor, due_in=1)
    (reminder,) = services.create_due_reminders()
    db.session.commit()
    db.session.add(Reminder(rectification_id=rect.id, due_on=reminder.due_on, kind=reminder.kind,
                            user_id=reminder.user_id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_email_speaks_the_recipients_language_and_links_to_the_problem(app, people, make_rects, smtp) -> None:
    people.county_supervisor.locale = "en"
    (rect,) = make_rects(people.school, people.supervisor, due_in=1)
    with frozen_time(datetime.now(UTC) + timedelta(days=2)):
        run()
    mails = {m.recipients[0]: m.message for m in smtp.messages}
    school = mails["school1@weinan.test"]
    assert school["From"] == "zizhu@weinan.test" and school["To"] == "school1@weinan.test"
    assert "逾期" in school["Subject"] and rect.finding.reference in school["Subject"]
    body = school.get_content()
    assert rect.finding.description in body and "华州第一小学" in body
    assert f"https://zizhu.weinan.test/app/rectification/{rect.id}" in body
    english = mails["huazhou@weinan.test"]
    assert english["Subject"].startswith("[Student-aid inspection] Overdue:")
    assert "passed its deadline" in english.get_content()


def test_without_smtp_reminders_stay_in_the_app(app, people, make_rects, runner) -> None:
    make_rects(people.school, people.supervisor, due_in=1)
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0 and "1 new reminder(s) in the app, 0 e-mail(s) sent." in result.output
    assert [r.mail_status for r in db.session.scalars(sa.select(Reminder))] == [MailStatus.NONE]


def test_a_person_without_an_address_gets_the_notification_only(app, people, make_rects, smtp) -> None:
    people.school_contact.email = None
    db.session.commit()
    make_rects(people.school, people.supervisor, due_in=1)
    summary = run()
    assert (summary.created, summary.mailed, smtp.messages) == (1, 0, [])
    assert db.session.scalars(sa.select(Reminder.mail_status)).one() == MailStatus.NONE


def test_a_refused_mail_is_retried_then_given_up(app, people, make_rects, smtp, runner) -> None:
    smtp.refuse.add("school1@weinan.test")
    make_rects(people.school, people.supervisor, due_in=1)
    for attempt in range(1, services.MAX_MAIL_ATTEMPTS + 1):
        result = runner.invoke(args=["reminders", "send"])
        assert result.exit_code == 1 and "school1@weinan.test" in result.output
        reminder = db.session.scalars(sa.select(Reminder).execution_options(populate_existing=True)).one()
        assert reminder.mail_attempts == attempt and "550" in (reminder.mail_error or "")
        expected = MailStatus.FAILED if attempt == services.MAX_MAIL_ATTEMPTS else MailStatus.PENDING
        assert reminder.mail_status == expected
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0 and result.output == ""
    assert _count(Notification) == 2  # the opening notice and the one reminder


def test_an_unreachable_server_leaves_the_mail_queued(app, people, make_rects) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    make_rects(people.school, people.supervisor, due_in=1)
    summary = run()
    assert summary.created == 1 and summary.mailed == 0 and summary.errors
    reminder = db.session.scalars(sa.select(Reminder)).one()
    assert (reminder.mail_status, reminder.mail_attempts) == (MailStatus.PENDING, 0)


def test_a_dry_run_records_nothing(people, make_rects, runner) -> None:
    make_rects(people.school, people.supervisor, due_in=0)
    db.session.commit()
    result = runner.invoke(args=["reminders", "send", "--dry-run"])
    assert result.exit_code == 0 and "1 reminder(s) due" in result.output and "due_1" in result.output
    assert _count(Reminder) == 0
