"""报送: what a city sends up to the province, each report once per period, and its reminders.

A submission is one city's report for one period: the 月报 of a month (``kind`` monthly, ``period``
``2026-11``) or the 督导检查情况报告 of one of the city's campaigns (``kind`` investigation, ``period``
``campaign-<id>``, the campaign in ``campaign_id``). It carries a finished report job's document (the
file stays where the report job stored it) and moves submitted → accepted, or submitted → returned (with a
reason) → resubmitted → accepted or returned again. Each step is a row of ``submission_events``, the
history the pages show, and an audit entry.
"""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from ..db import enum_column
from ..db import utcnow
from ..extensions import Model

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..campaigns.models import Campaign
    from ..reports.models import ReportJob
    from ..schools.models import City


class SubmissionKind(StrEnum):
    MONTHLY = "monthly"
    INVESTIGATION = "investigation"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    SubmissionKind.MONTHLY: _l("月报 (monthly report)"),
    SubmissionKind.INVESTIGATION: _l("督导检查情况报告 (investigation report)"),
}


class SubmissionState(StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    SubmissionState.SUBMITTED: _l("Submitted"),
    SubmissionState.RETURNED: _l("Returned"),
    SubmissionState.RESUBMITTED: _l("Resubmitted"),
    SubmissionState.ACCEPTED: _l("Accepted"),
}
# The label of a report due that has not arrived.
MISSING_LABEL = _l("Not submitted")


class Submission(Model):
    """One city's report for one period, as the province received it."""

    __tablename__ = "submissions"
    __table_args__ = (sa.UniqueConstraint("city_id", "kind", "period"),
                      sa.Index("ix_submissions_kind_period", "kind", "period"))

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    city_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("cities.id"))
    kind: orm.Mapped[SubmissionKind] = orm.mapped_column(enum_column(SubmissionKind))
    # "2026-11" for a 月报; "campaign-<id>" for an investigation report.
    period: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    campaign_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    state: orm.Mapped[SubmissionState] = orm.mapped_column(enum_column(SubmissionState))
    # The document now on file: a finished report job's stored file (reports area).
    report_job_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("report_jobs.id"))
    # When the report first arrived: lateness is judged by it (a return is the province's doing).
    arrived_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    submitted_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    submitted_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    decided_at: orm.Mapped[datetime | None]
    decided_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    return_reason: orm.Mapped[str | None] = orm.mapped_column(sa.String(500))

    city: orm.Mapped[City] = orm.relationship()
    campaign: orm.Mapped[Campaign | None] = orm.relationship()
    report_job: orm.Mapped[ReportJob] = orm.relationship()
    submitted_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[submitted_by_id])
    decided_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[decided_by_id])
    events: orm.Mapped[list[SubmissionEvent]] = orm.relationship(
        back_populates="submission", order_by="SubmissionEvent.id")


class SubmissionEvent(Model):
    """One step of a submission's history: submitted, returned (with the reason), resubmitted, accepted."""

    __tablename__ = "submission_events"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    submission_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("submissions.id"), index=True)
    state: orm.Mapped[SubmissionState] = orm.mapped_column(enum_column(SubmissionState))
    at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    actor_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    report_job_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("report_jobs.id"))
    note: orm.Mapped[str | None] = orm.mapped_column(sa.String(500))

    submission: orm.Mapped[Submission] = orm.relationship(back_populates="events")
    actor: orm.Mapped[User | None] = orm.relationship()


class SubmissionReminderKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class SubmissionReminder(Model):
    """One reminder of a report due, to one person: the row that makes it go out exactly once.

    Unique on (city, kind, period, due date, stage, person): a second run, or two at once, cannot insert it
    again. A due date moved by the settings is a new key.
    """

    __tablename__ = "submission_reminders"
    __table_args__ = (sa.UniqueConstraint("city_id", "kind", "period", "due_on", "stage", "user_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    city_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("cities.id"))
    kind: orm.Mapped[SubmissionKind] = orm.mapped_column(enum_column(SubmissionKind))
    period: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    due_on: orm.Mapped[date]
    stage: orm.Mapped[SubmissionReminderKind] = orm.mapped_column(enum_column(SubmissionReminderKind))
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    notification_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("notifications.id"))
