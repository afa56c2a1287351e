"""Deadline reminders: who is reminded of what and when, each reminder exactly once.

When (each day on the Asia/Shanghai calendar, for every rectification not yet closed):

- ``due_7``: the deadline is 2–7 days away (a week before; later if the rectification was opened
  with less time than that);
- ``due_1``: the deadline is tomorrow, or today if the day-before run was missed;
- ``overdue``: the deadline has passed (the first day overdue, or the first run after it).

Only the latest stage that applies is sent, so a run that missed a few days does not send
"a week left" after "due tomorrow".

Who ("the responsible people"):

- the school's contact accounts (学校联络员), who do the work, for all three stages — unless the
  school has submitted its work and is waiting for verification, when the next move is not theirs;
- the supervisors whose scope holds the school (the city's and that county's), for ``overdue``.

Each reminder is a row of ``reminders`` under a unique constraint on (rectification, deadline,
kind, person): inserting it is what sends it, and a second run — or two runs at once — finds the
row there and sends nothing. A new deadline (an extension) starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import orm

from ..auth.models import Role
from ..auth.models import User
from ..core.database import insert_or_skip
from ..db import local_today
from ..db import utcnow
from ..extensions import db
from ..findings.models import Finding
from ..notifications import labels
from ..notifications.mail import Mail
from ..notifications.mail import mail_enabled
from ..notifications.models import Notification
from ..rectification.models import Rectification
from ..rectification.models import RectificationStatus as S
from ..schools import regions
from ..schools.models import County
from ..schools.models import School
from .models import MailStatus
from .models import Reminder
from .models import ReminderKind

# States in which the next move is the school's.
SCHOOL_TO_ACT = (S.NOT_STARTED, S.IN_PROGRESS, S.PARTIAL, S.RETURNED)
MAX_MAIL_ATTEMPTS = 3


def reminder_kind(days_left: int, *, overdue: bool | None = None) -> ReminderKind | None:
    """The reminder due for a deadline ``days_left`` days away (negative: passed).

    :param overdue: whether the rectification is overdue by ``Rectification.overdue_on``; when not given, a
        deadline already passed counts as overdue.
    """
    if days_left < 0 if overdue is None else overdue:
        return ReminderKind.OVERDUE
    if days_left <= 1:
        return ReminderKind.DUE_IN_1
    if days_left <= 7:
        return ReminderKind.DUE_IN_7
    return None


@dataclass(frozen=True)
class Planned:
    rectification_id: int
    due_on: date
    kind: ReminderKind
    user_id: int


def plan(today: date | None = None) -> list[Planned]:
    """Every reminder due today that has not gone out yet (four queries, whatever the numbers)."""
    today = today or local_today()
    rows = db.session.execute(
        sa.select(Rectification.id, Rectification.due_on, Rectification.status, Finding.school_id,
                  School.county_id, County.city_id,
                  sa.type_coerce(Rectification.overdue_on(today), sa.Boolean).label("overdue"))
        .join(Finding, Finding.id == Rectification.finding_id)
        .join(School, School.id == Finding.school_id)
        .join(County, County.id == School.county_id)
        .where(Rectification.status != S.CLOSED, Rectification.due_on <= today + timedelta(days=7))
        .order_by(Rectification.due_on, Rectification.id)
    ).all()
    if not rows:
        return []
    school_ids = {r.school_id for r in rows}
    contacts: dict[int | None, list[int]] = {}
    for user_id, school_id in db.session.execute(
        sa.select(User.id, User.school_id)
        .where(User.role == Role.SCHOOL, User.active.is_(True), User.school_id.in_(school_ids))
        .order_by(User.id)
    ):
        contacts.setdefault(school_id, []).append(user_id)
    supervisors = list(db.session.scalars(
        sa.select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True)).order_by(User.id)))
    sent = {
        (r.rectification_id, r.due_on, r.kind, r.user_id)
        for r in db.session.execute(
            sa.select(Reminder.rectification_id, Reminder.due_on, Reminder.kind, Reminder.user_id)
            .where(Reminder.rectification_id.in_([r.id for r in rows]))
        )
    }
    planned = []
    for row in rows:
        kind = reminder_kind((row.due_on - today).days, overdue=bool(row.overdue))
        if kind is None:
            continue
        people = list(contacts.get(row.school_id, [])) if row.status in SCHOOL_TO_ACT else []
        if kind == ReminderKind.OVERDUE:
            people += [u.id for u in supervisors if u.responsible_for(row.county_id, row.city_id)]
        for user_id in people:
            key = (row.id, row.due_on, kind, user_id)
            if key not in sent:
                planned.append(Planned(*key))
    return planned


def _insert_once(item: Planned, *, mail_to: str | None) -> int | None:
    """Insert the reminder unless it exists; return its id only if this call inserted it."""
    stmt = (
        insert_or_skip(Reminder, ["rectification_id", "due_on", "kind", "user_id"])
        .values(rectification_id=item.rectification_id, due_on=item.due_on, kind=item.kind, user_id=item.user_id,
                created_at=utcnow(), mail_to=mail_to,
                mail_status=MailStatus.PENDING if mail_to else MailStatus.NONE, mail_attempts=0)
        .returning(Reminder.id)
    )
    return db.session.execute(stmt).scalar()


def create_due_reminders(today: date | None = None) -> list[Reminder]:
    """Record and notify (in the app) every reminder due today; return those this call created.

    Flushes; the caller commits, and only then sends the e-mails (see :func:`claim_mail`).
    """
    today = today or local_today()
    planned = plan(today)
    if not planned:
        return []
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_({p.user_id for p in planned})))}
    rects = {
        r.id: r for r in db.session.scalars(
            sa.select(Rectification).where(Rectification.id.in_({p.rectification_id for p in planned}))
            .options(orm.joinedload(Rectification.finding).joinedload(Finding.school),
                     orm.joinedload(Rectification.finding).joinedload(Finding.campaign))
        )
    }
    mailing = mail_enabled()
    created_ids = []
    for item in planned:
        user = users[item.user_id]
        reminder_id = _insert_once(item, mail_to=(user.email or None) if mailing else None)
        if reminder_id is None:
            continue  # another run got there first
        rect = rects[item.rectification_id]
        notification = Notification(
            user_id=user.id, kind=f"reminder.{item.kind.value}", rectification_id=rect.id,
            params={"reference": rect.finding.reference, "school": rect.finding.school.name,
                    "description": rect.finding.description[:120], "date": item.due_on.isoformat(),
                    "days": (item.due_on - today).days},
        )
        db.session.add(notification)
        db.session.flush()
        db.session.execute(sa.update(Reminder).where(Reminder.id == reminder_id)
                           .values(notification_id=notification.id))
        created_ids.append(reminder_id)
    if not created_ids:
        return []
    return list(db.session.scalars(sa.select(Reminder).where(Reminder.id.in_(created_ids)).order_by(Reminder.id)
                                   .execution_options(populate_existing=True)))


def mail_queue() -> list[int]:
    """Reminders whose e-mail is still to be sent (new ones, and earlier failures worth retrying)."""
    return list(db.session.scalars(
        sa.select(Reminder.id).where(Reminder.mail_status == MailStatus.PENDING).order_by(Reminder.id)
    ))


def claim_mail(reminder_id: int) -> Reminder | None:
    """Take one pending e-mail for this run; None if another run took it first.

    The claim is one conditional UPDATE, so two runs cannot both take the same e-mail; the caller
    commits the claim before sending.
    """
    result = db.session.execute(
        sa.update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.mail_status == MailStatus.PENDING)
        .values(mail_status=MailStatus.SENDING, mail_attempts=Reminder.mail_attempts + 1)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return db.session.scalars(
        sa.select(Reminder).where(Reminder.id == reminder_id)
        .options(orm.joinedload(Reminder.user), orm.joinedload(Reminder.notification),
                 orm.joinedload(Reminder.rectification).joinedload(Rectification.finding)
                 .joinedload(Finding.campaign))
        .execution_options(populate_existing=True)
    ).one()


def mail_done(reminder: Reminder, *, error: str | None = None) -> None:
    """Record how sending went; a failure is retried by later runs up to MAX_MAIL_ATTEMPTS times."""
    if error is None:
        reminder.mail_status, reminder.mailed_at, reminder.mail_error = MailStatus.SENT, utcnow(), None
    else:
        retry = reminder.mail_attempts < MAX_MAIL_ATTEMPTS
        reminder.mail_status = MailStatus.PENDING if retry else MailStatus.FAILED
        reminder.mail_error = error[:256]
    db.session.flush()


def rectification_url(rect_id: int) -> str | None:
    """The absolute address of a rectification page, when ``BASE_URL`` says where the site is."""
    base = str(current_app.config.get("BASE_URL") or "")
    if not base:
        return None
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    return adapter.build("rectification.show", {"rect_id": rect_id}, force_external=True)


def reminder_mail(reminder: Reminder) -> Mail:
    """The e-mail for a reminder, in the recipient's language."""
    user = reminder.user
    notification = reminder.notification
    params = notification.params if notification else {}
    kind = notification.kind if notification else f"reminder.{reminder.kind.value}"
    rect = reminder.rectification
    finding = rect.finding
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        url = rectification_url(rect.id)
        lines = [
            _("Hello %(name)s,", name=user.display_name), "",
            labels.message(kind, params), "",
            _("Problem: %(text)s", text=finding.description),
            _("School: %(text)s", text=params.get("school", "")),
            _("Campaign: %(text)s", text=finding.campaign.name),
            _("Deadline: %(text)s", text=labels.message_date(reminder.due_on)),
            _("Status: %(text)s", text=rect.status.label),
        ]
        if url:
            lines += ["", _("Open it here: %(url)s", url=url)]
        lines += ["", _("Sent automatically by the student-aid inspection system of %(org)s; please do not reply.",
                        org=regions.issuer(rect.finding.school.county.city_id).org_name)]
        return Mail(to=reminder.mail_to or user.email or "", subject=labels.subject(kind, params),
                    body="\n".join(lines))
