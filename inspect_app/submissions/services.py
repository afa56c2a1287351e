"""报送: the reports each city owes the province, submitting them, and the province's answer.

Views, the command line and the demo call these; they take the acting user, flush and never commit, and
write an audit entry for each change of state (``submission.submit``, ``…resubmit``, ``…return``,
``…accept``). Who may call them is the views' check (``permissions.py``).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import Role
from ..auth.models import User
from ..campaigns.models import Campaign
from ..core.i18n import local_date
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..notifications import services as notifications
from ..reports.models import JobStatus
from ..reports.models import ReportJob
from ..schools.models import City
from . import due
from .models import MISSING_LABEL
from .models import Submission
from .models import SubmissionEvent
from .models import SubmissionKind
from .models import SubmissionState

K, S = SubmissionKind, SubmissionState
OPEN = (S.SUBMITTED, S.RESUBMITTED)
REASON_MAX = 500


@dataclass
class DueItem:
    """One report a city owes for one period, and what has arrived of it."""

    city: City
    kind: SubmissionKind
    period: str
    due_on: date | None
    submission: Submission | None
    today: date
    campaign: Campaign | None = None

    @property
    def late(self) -> bool:
        return self.submission is not None and due.is_late(self.submission.arrived_at, self.due_on)

    @property
    def overdue(self) -> bool:
        """Not arrived, and its due date has passed."""
        return self.submission is None and self.due_on is not None and self.today > self.due_on

    @property
    def state(self) -> str:
        return self.submission.state.value if self.submission else "missing"

    @property
    def state_label(self) -> str:
        return self.submission.state.label if self.submission else str(MISSING_LABEL)

    @property
    def period_label(self) -> str:
        if self.campaign is not None:
            return self.campaign.name
        return month_text(self.period)

    @property
    def can_submit(self) -> bool:
        """Whether the city may send a document now: nothing on file yet, or the report was returned."""
        return self.submission is None or self.submission.state == S.RETURNED


def _submissions(city_ids: t.Collection[int], kind: SubmissionKind,
                 periods: t.Collection[str]) -> dict[tuple[int, str], Submission]:
    if not city_ids or not periods:
        return {}
    rows = db.session.scalars(
        sa.select(Submission)
        .where(Submission.city_id.in_(sorted(city_ids)), Submission.kind == kind,
               Submission.period.in_(sorted(periods)))
        .options(orm.joinedload(Submission.submitted_by), orm.joinedload(Submission.report_job))
    )
    return {(s.city_id, s.period): s for s in rows}


def monthly_periods(city: City, today: date | None = None) -> list[str]:
    """The months whose 月报 the city owes, up to the current one, newest first."""
    today = today or local_today()
    start = due.monthly_start([city.id]).get(city.id)
    return due.months_between(start, (today.year, today.month)) if start else []


def monthly_items(city: City, periods: t.Sequence[str], today: date | None = None) -> list[DueItem]:
    """The city's 月报 for ``periods``, each with what arrived (one query)."""
    today = today or local_today()
    found = _submissions([city.id], K.MONTHLY, periods)
    return [DueItem(city, K.MONTHLY, p, due.monthly_due_on(p), found.get((city.id, p)), today) for p in periods]


def due_campaigns_query(city_id: int | None = None) -> sa.Select[t.Any]:
    """The campaigns owing an investigation report (one city's, or all), latest last day first."""
    stmt = sa.select(Campaign).where(due.due_campaigns_filter())
    if city_id is not None:
        stmt = stmt.where(Campaign.city_id == city_id)
    return stmt.order_by(Campaign.ends_on.desc(), Campaign.id.desc())


def investigation_items(campaigns: t.Sequence[Campaign], today: date | None = None) -> list[DueItem]:
    """The investigation reports owed for ``campaigns``, each with what arrived (two queries)."""
    today = today or local_today()
    cities = {c.id: c for c in db.session.scalars(
        sa.select(City).where(City.id.in_({cp.city_id for cp in campaigns if cp.city_id is not None})))}
    found = _submissions(cities, K.INVESTIGATION, [due.campaign_period(c.id) for c in campaigns])
    return [DueItem(cities[c.city_id], K.INVESTIGATION, due.campaign_period(c.id), due.investigation_due_on(c),
                    found.get((c.city_id, due.campaign_period(c.id))), today, campaign=c)
            for c in campaigns if c.city_id in cities]


def province_monthly(cities: t.Sequence[City], period: str, today: date | None = None) -> list[DueItem]:
    """Each city's 月报 of ``period`` (one query): the province's table, a row per city."""
    today = today or local_today()
    due_on = due.monthly_due_on(period)
    found = _submissions([c.id for c in cities], K.MONTHLY, [period])
    return [DueItem(c, K.MONTHLY, period, due_on, found.get((c.id, period)), today) for c in cities]


def late_count(period: str) -> int:
    """How many cities' 月报 of ``period`` arrived late (SQL, by :func:`due.late_clause`)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Submission)
        .where(Submission.kind == K.MONTHLY, Submission.period == period,
               due.late_clause(Submission.arrived_at, due.monthly_due_on(period)))) or 0


# ---------------------------------------------------------------- the documents a city may send


def candidate_jobs(city: City, kind: SubmissionKind, period: str) -> list[ReportJob]:
    """The finished report jobs the city may send for one period (see :func:`candidates`)."""
    return candidates(city, kind, [period]).get(period, [])


def candidates(city: City, kind: SubmissionKind, periods: t.Collection[str]) -> dict[str, list[ReportJob]]:
    """The finished report jobs the city may send, by period (two queries): of the right kind and period, and
    every campaign they cover the city's own (a report reaching into another city's campaigns is not the
    city's to send). Newest first."""
    if not periods:
        return {}
    stmt = sa.select(ReportJob).where(ReportJob.kind == kind.value, ReportJob.status == JobStatus.DONE,
                                      ReportJob.path.is_not(None))
    if kind == K.MONTHLY:
        stmt = stmt.where(ReportJob.month.in_(sorted(periods)))
    else:
        stmt = stmt.where(ReportJob.campaign_id.in_(sorted({_campaign_of(p) for p in periods})))
    jobs = list(db.session.scalars(stmt.order_by(ReportJob.finished_at.desc(), ReportJob.id.desc())))
    covered = {cid for job in jobs for cid in (job.campaign_ids or [job.campaign_id])}
    owner = dict(db.session.execute(
        sa.select(Campaign.id, Campaign.city_id).where(Campaign.id.in_(sorted(covered)))).all()) if covered else {}
    found: dict[str, list[ReportJob]] = {}
    for job in jobs:
        if all(owner.get(cid) == city.id for cid in (job.campaign_ids or [job.campaign_id])):
            period = job.month if kind == K.MONTHLY else due.campaign_period(job.campaign_id)
            found.setdefault(period or "", []).append(job)
    return found


def _campaign_of(period: str) -> int:
    prefix = due.CAMPAIGN_PERIOD.format(id="")
    if not period.startswith(prefix) or not period[len(prefix):].isdigit():
        raise ValidationFailed(_("“%(value)s” names no campaign.", value=period[:40]))
    return int(period[len(prefix):])


def check_period(city: City, kind: SubmissionKind, period: str, today: date | None = None) -> Campaign | None:
    """Refuse a period the city owes nothing for; returns the campaign of an investigation report."""
    today = today or local_today()
    if kind == K.MONTHLY:
        year, month = due.parse_month(period)
        if (year, month) > (today.year, today.month):
            raise ValidationFailed(_("The 月报 of %(period)s cannot be sent before the month begins.", period=period))
        return None
    campaign = db.session.get(Campaign, _campaign_of(period))
    if campaign is None or campaign.city_id != city.id or campaign.county_id is not None:
        raise ValidationFailed(_("That campaign is not one of %(city)s's own.", city=city.name))
    return campaign


# ---------------------------------------------------------------- state changes


def submit(city: City, kind: SubmissionKind, period: str, job: ReportJob, *, actor: User | None) -> Submission:
    """Send a finished report to the province, or send it again after it was returned."""
    campaign = check_period(city, kind, period)
    if job.id not in {j.id for j in candidate_jobs(city, kind, period)}:
        raise ValidationFailed(_("Choose a finished report of %(city)s for this period.", city=city.name))
    submission = db.session.scalar(sa.select(Submission).where(
        Submission.city_id == city.id, Submission.kind == kind, Submission.period == period))
    now = utcnow()
    if submission is None:
        submission = Submission(city_id=city.id, kind=kind, period=period,
                                campaign_id=campaign.id if campaign else None, state=S.SUBMITTED,
                                report_job_id=job.id, arrived_at=now, submitted_at=now,
                                submitted_by_id=actor.id if actor else None)
        db.session.add(submission)
        db.session.flush()
        action, before = "submission.submit", None
    elif submission.state == S.RETURNED:
        before = {"state": submission.state.value, "report_job_id": submission.report_job_id}
        submission.state, submission.report_job_id = S.RESUBMITTED, job.id
        submission.submitted_at, submission.submitted_by_id = now, actor.id if actor else None
        submission.decided_at = submission.decided_by_id = None
        action = "submission.resubmit"
    else:
        raise InvalidTransition(_("This report is already %(state)s; it can be sent again only once returned.",
                                  state=submission.state.label))
    _event(submission, actor, job_id=job.id)
    audit.record(actor, action, submission, before=before,
                 after={"state": submission.state.value, "kind": kind.value, "period": period,
                        "city_id": city.id, "report_job_id": job.id, "filename": job.filename},
                 campaign_id=submission.campaign_id)
    notifications.notify(_province_supervisors(), "submission.arrived", exclude=actor,
                         params=_params(submission))
    return submission


def return_submission(submission: Submission, reason: str, *, actor: User | None) -> Submission:
    """Return a report to its city with the reason; the city sends it again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the report is returned."))
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_("The reason has at most %(n)d characters.", n=REASON_MAX))
    _decide(submission, S.RETURNED, actor, note=reason)
    submission.return_reason = reason
    notifications.notify(city_supervisors(submission.city_id), "submission.returned", exclude=actor,
                         params={**_params(submission), "note": reason})
    return submission


def accept(submission: Submission, *, actor: User | None) -> Submission:
    """Accept a report: the city's report for the period is done."""
    _decide(submission, S.ACCEPTED, actor)
    notifications.notify(city_supervisors(submission.city_id), "submission.accepted", exclude=actor,
                         params=_params(submission))
    return submission


def _decide(submission: Submission, to: SubmissionState, actor: User | None, *, note: str | None = None) -> None:
    if submission.state not in OPEN:
        raise InvalidTransition(_("This report is %(state)s: only a report awaiting the province's answer can be "
                                  "%(to)s.", state=submission.state.label, to=to.label))
    before = submission.state
    submission.state, submission.decided_at = to, utcnow()
    submission.decided_by_id = actor.id if actor else None
    _event(submission, actor, note=note)
    audit.record(actor, "submission.return" if to == S.RETURNED else "submission.accept", submission,
                 before={"state": before.value}, after={"state": to.value}, note=note,
                 campaign_id=submission.campaign_id)
    db.session.flush()


def _event(submission: Submission, actor: User | None, *, job_id: int | None = None, note: str | None = None) -> None:
    db.session.add(SubmissionEvent(submission_id=submission.id, state=submission.state, at=utcnow(),
                                   actor_id=actor.id if actor else None, report_job_id=job_id, note=note))
    db.session.flush()


def _params(submission: Submission) -> dict[str, t.Any]:
    city = db.session.get(City, submission.city_id)
    period = period_text(submission) if submission.kind == K.INVESTIGATION else submission.period
    return {"city": city.name if city else "", "kind": submission.kind.value, "period": period}


def period_text(submission: Submission) -> str:
    """The period as people say it: the month, or the campaign's name."""
    if submission.kind == K.INVESTIGATION:
        campaign = submission.campaign or (db.session.get(Campaign, submission.campaign_id)
                                           if submission.campaign_id else None)
        return campaign.name if campaign else submission.period
    return month_text(submission.period)


def _province_supervisors() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.SUPERVISOR, User.active.is_(True), User.city_id.is_(None), User.county_id.is_(None),
        User.school_id.is_(None)).order_by(User.id)))


def city_supervisors(city_id: int) -> list[User]:
    """The active supervisors of a city (not of one of its counties): the people who send its reports."""
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.SUPERVISOR, User.active.is_(True), User.city_id == city_id,
        User.county_id.is_(None)).order_by(User.id)))



def month_text(period: str) -> str:
    """A month as people say it: 2026年11月 (November 2026)."""
    year, month = due.parse_month(period)
    return _("%(month)d/%(year)d", year=year, month=month)


def due_text(item: DueItem) -> str:
    return local_date(item.due_on) if item.due_on else "—"
