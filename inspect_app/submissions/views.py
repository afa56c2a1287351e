"""报送 pages: a city's reports due and sent, the province's table per period, one report and its history.

Roles (permissions.py): a city's staff see their city's page (its supervisors send reports), the province's
staff see every city's and the province's table (its supervisors accept and return), administrators do all.
County staff, inspectors and school contacts are refused (403); another city's report answers 404.
"""

from __future__ import annotations

import math
import typing as t
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import orm

from ..core import storage
from ..core.forms import checked
from ..core.inputs import query_id
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..db import local_today
from ..errors import ValidationFailed
from ..extensions import db
from ..reports.models import ReportJob
from ..reports.services import DOCX_MIME
from ..schools.models import City
from . import due
from . import permissions
from . import services
from .forms import AcceptForm
from .forms import ReturnForm
from .forms import SubmitForm
from .models import Submission
from .models import SubmissionEvent
from .models import SubmissionKind

bp = Blueprint("submissions", __name__, url_prefix="/submissions", template_folder="templates")


@dataclass
class ListPage:
    """A page of a list made in Python (the months a city owes), read by ``pager()`` like db.paginate's."""

    items: list[t.Any]
    page: int
    per_page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _page_number() -> int:
    return max(1, min(request.args.get("page", 1, type=query_id) or 1, 100000))


def _taking_part() -> None:
    if not permissions.takes_part(current_user):
        abort(403)


def _kind() -> SubmissionKind:
    return SubmissionKind.INVESTIGATION if request.args.get("kind") == "investigation" else SubmissionKind.MONTHLY


def _city(city_id: int) -> City:
    _taking_part()
    city = db.get_or_404(City, city_id)
    ensure(permissions.can_view_city(current_user, city.id))
    return city


def _submission(submission_id: int) -> Submission:
    _taking_part()
    submission = db.get_or_404(Submission, submission_id)
    ensure(permissions.can_view_city(current_user, submission.city_id))
    return submission


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    """The province's table for the province and administrators, the city's own page for a city."""
    _taking_part()
    if permissions.province_side(current_user):
        return redirect(url_for("submissions.province"))
    return redirect(url_for("submissions.city", city_id=current_user.city_id))


@bp.route("/cities/<int:city_id>")
@roles_required(*STAFF)
def city(city_id: int) -> t.Any:
    city = _city(city_id)
    kind, today, size = _kind(), local_today(), current_app.config["PAGE_SIZE"]
    number = _page_number()
    if kind == SubmissionKind.MONTHLY:
        periods = services.monthly_periods(city, today)
        page: t.Any = ListPage([], number, size, len(periods))
        page.items = services.monthly_items(city, periods[(number - 1) * size:number * size], today)
    else:
        page = db.paginate(services.due_campaigns_query(city.id), page=number, per_page=size, error_out=False)
        page.items = services.investigation_items(list(page.items), today)
    can_submit = permissions.can_submit_for(current_user, city.id)
    offered = services.candidates(city, kind, [i.period for i in page.items if i.can_submit]) if can_submit else {}
    return render_template("submissions/city.html", city=city, kind=kind, page=page, can_submit=can_submit,
                           offered=offered, form=SubmitForm(), due_text=services.due_text)


@bp.post("/cities/<int:city_id>/submit")
@roles_required(*STAFF)
def submit(city_id: int) -> t.Any:
    if not permissions.may_submit(current_user):
        abort(403)
    city = db.get_or_404(City, city_id)
    ensure(permissions.can_submit_for(current_user, city.id))
    form = checked(SubmitForm())
    kind = due.kind_of(form.kind.data or "")
    job = db.session.get(ReportJob, form.job_id.data)
    if job is None:
        raise ValidationFailed(_("Choose a finished report of %(city)s for this period.", city=city.name))
    submission = services.submit(city, kind, (form.period.data or "").strip(), job, actor=current_user)
    db.session.commit()
    flash(_("The report was sent to the province."), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))


@bp.route("/province")
@roles_required(*STAFF)
def province() -> t.Any:
    """A row per city for one month's 月报, or a row per campaign for the investigation reports."""
    _taking_part()
    if not permissions.province_side(current_user):
        abort(403)
    kind, today, size = _kind(), local_today(), current_app.config["PAGE_SIZE"]
    month = request.args.get("month") or due.month_period(today.year, today.month)
    due.parse_month(month)
    late = 0
    if kind == SubmissionKind.MONTHLY:
        stmt = sa.select(City).order_by(City.position, City.id)
        page = db.paginate(stmt, page=_page_number(), per_page=size, error_out=False)
        page.items = services.province_monthly(list(page.items), month, today)
        late = services.late_count(month)
    else:
        page = db.paginate(services.due_campaigns_query(), page=_page_number(), per_page=size, error_out=False)
        page.items = services.investigation_items(list(page.items), today)
    return render_template("submissions/province.html", kind=kind, month=month, page=page, late=late,
                           due_on=due.monthly_due_on(month), due_text=services.due_text,
                           month_text=services.month_text)


@bp.route("/<int:submission_id>")
@roles_required(*STAFF)
def show(submission_id: int) -> t.Any:
    submission = _submission(submission_id)
    events = list(db.session.scalars(
        sa.select(SubmissionEvent).where(SubmissionEvent.submission_id == submission.id)
        .order_by(SubmissionEvent.id).options(orm.joinedload(SubmissionEvent.actor))))
    due_on = (due.monthly_due_on(submission.period) if submission.kind == SubmissionKind.MONTHLY
              else due.investigation_due_on(submission.campaign) if submission.campaign else None)
    return render_template("submissions/show.html", submission=submission, events=events, due_on=due_on,
                           late=due.is_late(submission.arrived_at, due_on),
                           period=services.period_text(submission),
                           can_decide=permissions.may_decide(current_user),
                           can_resubmit=permissions.can_submit_for(current_user, submission.city_id),
                           return_form=ReturnForm(), accept_form=AcceptForm())


@bp.route("/<int:submission_id>/download")
@roles_required(*STAFF)
def download(submission_id: int) -> t.Any:
    """The document on file, served from where the report job stored it."""
    submission = _submission(submission_id)
    job = submission.report_job
    if not job.path:
        abort(404)
    return storage.serve("reports", job.path, filename=job.filename, mimetype=DOCX_MIME)


def _deciding(submission_id: int) -> Submission:
    if not permissions.may_decide(current_user):
        abort(403)
    return _submission(submission_id)


@bp.post("/<int:submission_id>/return")
@roles_required(*STAFF)
def return_submission(submission_id: int) -> t.Any:
    submission = _deciding(submission_id)
    form = checked(ReturnForm())
    services.return_submission(submission, form.reason.data or "", actor=current_user)
    db.session.commit()
    flash(_("The report was returned to %(city)s.", city=submission.city.name), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))


@bp.post("/<int:submission_id>/accept")
@roles_required(*STAFF)
def accept(submission_id: int) -> t.Any:
    submission = _deciding(submission_id)
    checked(AcceptForm())
    services.accept(submission, actor=current_user)
    db.session.commit()
    flash(_("The report was accepted."), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))
