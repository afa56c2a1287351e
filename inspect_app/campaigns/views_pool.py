"""The city's inspector pool and its declared conflicts of interest, managed by the city."""

from __future__ import annotations

import functools
import typing as t

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.models import User
from ..core.imports import import_upload
from ..core.permissions import STAFF
from ..core.permissions import roles_required
from ..extensions import db
from ..schools.services import counties
from . import conflicts as conflict_services
from . import importers
from .blueprint import bp
from .blueprint import inspector_label
from .blueprint import require_city_manager
from .blueprint import send_xlsx
from .forms import ConflictForm
from .forms import SearchForm
from .forms import UploadForm
from .models import ConflictOfInterest


@bp.route("/inspectors", methods=["GET", "POST"])
@roles_required(*STAFF)
def inspectors() -> t.Any:
    require_city_manager()
    form = UploadForm()
    done = import_upload(
        form, functools.partial(importers.import_inspectors, actor=current_user), default_name="inspectors.xlsx",
        done=lambda result: _("Inspectors imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
                              created=result.created, updated=result.updated, unchanged=result.unchanged),
        next_url=url_for("campaigns.inspectors"))
    if done is not None:
        return done
    search = SearchForm(request.args)
    q, county_id = search.q.data or "", search.county_id
    page = db.paginate(conflict_services.inspector_query(current_user, q=q or None, county_id=county_id),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("campaigns/inspectors.html", page=page, form=form, q=q, county_id=county_id,
                           counties=counties(current_user),
                           conflicts=conflict_services.conflict_counts(u.id for u in page.items))


@bp.route("/inspectors/template.xlsx")
@roles_required(*STAFF)
def inspectors_template() -> t.Any:
    require_city_manager()
    return send_xlsx(importers.inspector_template(), "检查员导入模板.xlsx")


@bp.route("/conflicts", methods=["GET", "POST"])
@roles_required(*STAFF)
def conflicts() -> t.Any:
    require_city_manager()
    form = ConflictForm()
    form.inspector_id.choices = [
        SelectChoice(str(u.id), inspector_label(u))
        for u in db.session.scalars(conflict_services.inspector_query(current_user).where(User.active.is_(True)))]
    if form.validate_on_submit():
        inspector = db.get_or_404(User, form.inspector_id.data)
        school = conflict_services.school_by_code(form.school_code.data or "")
        conflict_services.declare_conflict(inspector, school, reason=form.reason.data or "", actor=current_user)
        db.session.commit()
        flash(_("%(name)s will not be assigned to %(school)s.", name=inspector.display_name, school=school.name),
              "success")
        return redirect(url_for("campaigns.conflicts"))
    q = SearchForm(request.args).q.data or ""
    page = db.paginate(conflict_services.conflict_query(current_user, q=q or None),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("campaigns/conflicts.html", page=page, form=form, q=q,
                           upload=UploadForm(prefix="upload"))


@bp.post("/conflicts/<int:conflict_id>/delete")
@roles_required(*STAFF)
def conflict_delete(conflict_id: int) -> t.Any:
    require_city_manager()
    conflict = db.get_or_404(ConflictOfInterest, conflict_id)
    conflict_services.withdraw_conflict(conflict, actor=current_user)
    db.session.commit()
    flash(_("The declared conflict was withdrawn."), "success")
    return redirect(url_for("campaigns.conflicts"))


@bp.post("/conflicts/import")
@roles_required(*STAFF)
def conflicts_import() -> t.Any:
    require_city_manager()
    return import_upload(
        UploadForm(prefix="upload"), functools.partial(importers.import_conflicts, actor=current_user),
        default_name="conflicts.xlsx", required=True,
        done=lambda result: _("Conflicts imported: %(created)d added, %(unchanged)d already declared.",
                              created=result.created, unchanged=result.unchanged),
        next_url=url_for("campaigns.conflicts"))


@bp.route("/conflicts/template.xlsx")
@roles_required(*STAFF)
def conflicts_template() -> t.Any:
    require_city_manager()
    return send_xlsx(importers.conflict_template(), "利害关系回避导入模板.xlsx")
