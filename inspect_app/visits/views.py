from __future__ import annotations

import typing as t

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

from ..audit import services as audit
from ..auth.models import Role
from ..checklists.models import ChecklistItem
from ..checklists.services import checklist_sections
from ..checklists.services import load_tree
from ..core.forms import checked
from ..core.forms import text
from ..core.inputs import query_id
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..db import local_today
from ..extensions import db
from ..media.models import Signer
from ..schools.regions import visible_cities
from ..sync import services as sync_services
from . import attachments
from . import figures
from . import page
from . import services
from .forms import PageForm
from .forms import ReturnForm
from .models import RepeatInstance
from .models import Visit
from .models import VisitStatus
from .permissions import can_fill_visit
from .permissions import can_review_visit
from .permissions import can_view_visit
from .progress import progress

bp = Blueprint("visits", __name__, url_prefix="/visits", template_folder="templates")


def _visit(visit_id: int) -> Visit:
    visit = db.get_or_404(Visit, visit_id)
    ensure(can_view_visit(current_user, visit))
    return visit


def _fillable(visit_id: int) -> Visit:
    visit = _visit(visit_id)
    if not can_fill_visit(current_user, visit):
        services.require_editable(visit)
        abort(403)
    return visit


def _item(visit: Visit, item_id: int) -> ChecklistItem:
    item = db.get_or_404(ChecklistItem, item_id)
    ensure(item.version_id == visit.checklist_version_id)
    return item


def _entry(visit: Visit, key: str | None) -> RepeatInstance | None:
    """The repeat entry named by its key (UUID) in the request, if any."""
    if not key:
        return None
    entry = db.session.scalar(sa.select(RepeatInstance).where(RepeatInstance.uuid == key,
                                                              RepeatInstance.visit_id == visit.id))
    ensure(entry is not None)
    return entry


def _score_html(visit: Visit) -> str:
    state = services.form_state(visit)
    return render_template("visits/_score.html", score=figures.visit_score(visit, state=state),
                           progress=progress(state))


@bp.route("/")
@roles_required(Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)
def index() -> t.Any:
    status_arg = request.args.get("status")
    status = VisitStatus(status_arg) if status_arg in {s.value for s in VisitStatus} else None
    city_id = request.args.get("city", type=query_id)
    campaign_id = request.args.get("campaign", type=query_id)
    stmt = services.visit_list_query(current_user, status=status, campaign_id=campaign_id, city_id=city_id)
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("visits/index.html", page=page, status=status, statuses=list(VisitStatus),
                           cities=visible_cities(current_user), city_id=city_id,
                           scores=figures.visit_scores(page.items),
                           flags=sync_services.open_flags([v.id for v in page.items]))


@bp.route("/mine")
@roles_required(Role.INSPECTOR)
def mine() -> t.Any:
    submitted = request.args.get("submitted", type=int)
    if submitted is not None and submitted >= 0:
        # The visit page submits through the sync API and comes here with the number of problems raised.
        flash(_("Visit submitted for review with %(n)d problem(s) raised.", n=submitted), "success")
    page = db.paginate(services.inspector_visit_query(current_user), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("visits/mine.html", page=page, visits=page.items,
                           progress=figures.visit_progress(page.items), is_due=services.is_due)


@bp.route("/<int:visit_id>")
@roles_required(Role.ADMIN, Role.SUPERVISOR, Role.VIEWER, Role.INSPECTOR)
def show(visit_id: int) -> t.Any:
    visit = _visit(visit_id)
    load_tree(visit.checklist_version)
    answers = services.visit_answers(visit)
    entries = services.visit_entries(visit)
    state = services.form_state(visit, answers, entries)
    staff = current_user.role in STAFF
    return render_template(
        "visits/show.html", visit=visit, sections=checklist_sections(visit.checklist_version),
        answers=answers, entries=entries, state=state, photos=attachments.visit_photos(visit),
        score=figures.visit_score(visit, answers=answers, entries=entries, state=state), progress=progress(state),
        history=audit.history("visits", [visit.id]),
        can_fill=can_fill_visit(current_user, visit), can_review=can_review_visit(current_user, visit),
        today=local_today().isoformat(), signatures=attachments.visit_signatures(visit),
        signers=list(Signer), checkin_distance=services.checkin_distance(visit), far=services.FAR_FROM_SCHOOL_M,
        flags=sync_services.open_flags([visit.id]).get(visit.id, 0) if staff else None,
    )


@bp.route("/<int:visit_id>/score")
@roles_required(Role.ADMIN, Role.SUPERVISOR, Role.VIEWER, Role.INSPECTOR)
def score(visit_id: int) -> t.Any:
    """The visit's score card, for the page to refresh after its changes were synced."""
    return _score_html(_visit(visit_id))


@bp.post("/<int:visit_id>/save")
@roles_required(Role.INSPECTOR)
def save_all(visit_id: int) -> t.Any:
    """Save the whole page at once (the form's own submit, for browsers without scripts)."""
    visit = _fillable(visit_id)
    form = checked(PageForm())
    add = form.add_entry.data or ""
    sent = page.PageInput(
        fields=request.form.to_dict(flat=False),
        uploads={name: [page.Upload(f.filename, f.read()) for f in files if f and f.filename]
                 for name, files in request.files.lists()},
        add_entry=_item(visit, int(add)) if add.isdigit() else None, remove_entry=_entry(visit, form.remove_entry.data))
    anchor = page.save_page(visit, sent, actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id) + (anchor or text(form.anchor)))


@bp.post("/<int:visit_id>/submit")
@roles_required(Role.INSPECTOR)
def submit(visit_id: int) -> t.Any:
    visit = _fillable(visit_id)
    raised = services.submit_visit(visit, actor=current_user)
    db.session.commit()
    flash(_("Visit submitted for review with %(n)d problem(s) raised.", n=len(raised)), "success")
    return redirect(url_for("visits.mine"))


@bp.post("/<int:visit_id>/return")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def return_visit(visit_id: int) -> t.Any:
    visit = _visit(visit_id)
    ensure(can_review_visit(current_user, visit))
    form = checked(ReturnForm())
    services.return_visit(visit, reason=text(form.reason), actor=current_user)
    db.session.commit()
    flash(_("The visit was returned to its inspectors."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


@bp.post("/<int:visit_id>/approve")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def approve(visit_id: int) -> t.Any:
    visit = _visit(visit_id)
    ensure(can_review_visit(current_user, visit))
    services.approve_visit(visit, actor=current_user)
    db.session.commit()
    flash(_("Visit approved."), "success")
    return redirect(url_for("campaigns.show", campaign_id=visit.campaign_id))
