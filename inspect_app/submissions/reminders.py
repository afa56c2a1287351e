"""Reminders of the reports a city owes: a few days before the due date, and once it has passed.

Each day (the workers' scheduler, from REMINDER_TIME, once a day however many workers run; or
``inspect-app submissions remind``), for every city and every report it owes that has not arrived at all:

- ``due_soon``: the due date is today or within SUBMISSION_REMINDER_DAYS (3) days;
- ``overdue``: the due date has passed — sent for the reports due in the last month (this month's and last
  month's 月报, the investigation reports due within 31 days), so a new install does not send a notice for
  every month since its first campaign.

To the city's active supervisors (accounts of the city, not of one of its counties), in the app. Only the
latest stage is sent. Each reminder is a row of ``submission_reminders`` unique on (city, kind, period, due
date, stage, person), inserted with ON CONFLICT DO NOTHING: the run whose insert succeeds writes the
notification, and a second run, or two at the same moment, insert nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..auth.models import Role
from ..auth.models import User
from ..campaigns.models import Campaign
from ..core import tasks
from ..core.database import insert_or_skip
from ..db import local_today
from ..db import utcnow
from ..extensions import db
from ..notifications.models import Notification
from ..schools.models import City
from . import due
from .models import Submission
from .models import SubmissionKind
from .models import SubmissionReminder
from .models import SubmissionReminderKind

log = logging.getLogger(__name__)
OVERDUE_WINDOW = 31
KEY = ("city_id", "kind", "period", "due_on", "stage", "user_id")


@dataclass(frozen=True)
class Owed:
    city_id: int
    kind: SubmissionKind
    period: str
    due_on: date
    label: str  # the month, or the campaign's name


@dataclass(frozen=True)
class Planned:
    owed: Owed
    stage: SubmissionReminderKind
    user_id: int


def stage_for(due_on: date, today: date) -> SubmissionReminderKind | None:
    """The reminder due today for a report due on ``due_on`` that has not arrived."""
    days = (due_on - today).days
    if days < 0:
        return SubmissionReminderKind.OVERDUE if -days <= OVERDUE_WINDOW else None
    if days <= int(current_app.config["SUBMISSION_REMINDER_DAYS"]):
        return SubmissionReminderKind.DUE_SOON
    return None


def owed(today: date) -> list[Owed]:
    """The reports of every city that are near or just past their due date (three queries)."""
    cities = list(db.session.scalars(sa.select(City.id).order_by(City.id)))
    starts = due.monthly_start(cities)
    previous = (today.replace(day=1) - timedelta(days=1))
    months = [due.month_period(today.year, today.month), due.month_period(previous.year, previous.month)]
    items = [Owed(city_id, SubmissionKind.MONTHLY, m, due.monthly_due_on(m), m)
             for city_id in cities for m in months
             if city_id in starts and due.parse_month(m) >= starts[city_id]]
    last_days = int(current_app.config["SUBMISSION_INVESTIGATION_DUE_DAYS"])
    for campaign in db.session.scalars(
        sa.select(Campaign).where(due.due_campaigns_filter(),
                                  Campaign.ends_on >= today - timedelta(days=last_days + OVERDUE_WINDOW))
        .order_by(Campaign.id)
    ):
        due_on = due.investigation_due_on(campaign)
        if due_on is not None and campaign.city_id is not None:
            items.append(Owed(campaign.city_id, SubmissionKind.INVESTIGATION, due.campaign_period(campaign.id),
                              due_on, campaign.name))
    return items


def plan(today: date | None = None) -> list[Planned]:
    """Every reminder due today that has not gone out (six queries, whatever the numbers)."""
    today = today or local_today()
    candidates = [(item, stage) for item in owed(today) if (stage := stage_for(item.due_on, today)) is not None]
    if not candidates:
        return []
    periods = {item.period for item, _stage in candidates}
    arrived = {tuple(row) for row in db.session.execute(
        sa.select(Submission.city_id, Submission.kind, Submission.period).where(Submission.period.in_(periods)))}
    supervisors: dict[int, list[int]] = {}
    for user_id, city_id in db.session.execute(
        sa.select(User.id, User.city_id).where(User.role == Role.SUPERVISOR, User.active.is_(True),
                                               User.city_id.is_not(None), User.county_id.is_(None))
        .order_by(User.id)
    ):
        if city_id is not None:
            supervisors.setdefault(city_id, []).append(user_id)
    sent = {tuple(row) for row in db.session.execute(
        sa.select(*(getattr(SubmissionReminder, c) for c in KEY))
        .where(SubmissionReminder.period.in_(periods)))}
    planned = []
    for item, stage in candidates:
        if (item.city_id, item.kind, item.period) in arrived:
            continue
        for user_id in supervisors.get(item.city_id, []):
            if (item.city_id, item.kind, item.period, item.due_on, stage, user_id) not in sent:
                planned.append(Planned(item, stage, user_id))
    return planned


def _insert_once(item: Planned) -> int | None:
    """Insert the reminder unless it exists; its id only if this call inserted it."""
    stmt = (insert_or_skip(SubmissionReminder, list(KEY))
            .values(city_id=item.owed.city_id, kind=item.owed.kind, period=item.owed.period, due_on=item.owed.due_on,
                    stage=item.stage, user_id=item.user_id, created_at=utcnow())
            .returning(SubmissionReminder.id))
    return db.session.execute(stmt).scalar()


def create_due_reminders(today: date | None = None) -> int:
    """Record and notify every reminder due today; returns how many this call created. Flushes; the caller
    commits."""
    today = today or local_today()
    planned = plan(today)
    if not planned:
        return 0
    names = dict(db.session.execute(sa.select(City.id, City.name)
                                    .where(City.id.in_({p.owed.city_id for p in planned}))).all())
    created = 0
    for item in planned:
        reminder_id = _insert_once(item)
        if reminder_id is None:
            continue  # another run got there first
        notification = Notification(
            user_id=item.user_id, kind=f"submission.{item.stage.value}",
            params={"city": names.get(item.owed.city_id, ""), "kind": item.owed.kind.value,
                    "period": item.owed.label, "date": item.owed.due_on.isoformat(),
                    "days": (item.owed.due_on - today).days})
        db.session.add(notification)
        db.session.flush()
        db.session.execute(sa.update(SubmissionReminder).where(SubmissionReminder.id == reminder_id)
                           .values(notification_id=notification.id))
        created += 1
    return created


def run() -> int:
    """Create today's reminders and commit."""
    created = create_due_reminders(local_today())
    db.session.commit()
    return created


@tasks.periodic_task(tasks.daily_from("REMINDER_TIME"), once_per="%Y-%m-%d")
def send_submission_reminders() -> None:
    """Remind the cities of the reports due, from REMINDER_TIME (Asia/Shanghai) on, once a day."""
    log.info("submission reminders: %s new in the app", run())
