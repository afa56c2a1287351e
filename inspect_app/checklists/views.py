from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import orm

from ..core.inputs import query_id
from ..core.permissions import MANAGERS
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..db import local_today
from ..extensions import db
from ..schools.permissions import can_manage_schools
from . import services
from .forms import ChecklistImportForm
from .logic import evaluate_form
from .models import Checklist
from .models import ChecklistVersion
from .services import checklist_sections

bp = Blueprint("checklists", __name__, url_prefix="/checklists", template_folder="templates")


def _manageable(version_id: int) -> ChecklistVersion:
    """A version the user may publish, retire or discard (admins and city-wide supervisors)."""
    if not can_manage_schools(current_user):
        abort(403)
    return db.get_or_404(ChecklistVersion, version_id)


@bp.route("/")
@roles_required(*MANAGERS)
def index() -> t.Any:
    checklists = db.session.scalars(
        sa.select(Checklist).options(orm.selectinload(Checklist.versions).selectinload(ChecklistVersion.items))
        .order_by(Checklist.id)
    ).all()
    return render_template("checklists/index.html", checklists=checklists, form=ChecklistImportForm(),
                           can_import=can_manage_schools(current_user))


@bp.route("/versions/<int:version_id>")
@roles_required(*MANAGERS)
def version(version_id: int) -> t.Any:
    version = services.load_tree(db.get_or_404(ChecklistVersion, version_id))
    return render_template("checklists/version.html", version=version, previous=services.previous_version(version),
                           can_manage=can_manage_schools(current_user))


@bp.route("/versions/<int:version_id>/preview")
@roles_required(*MANAGERS)
def preview(version_id: int) -> t.Any:
    """The checklist exactly as the tablet shows it, with its logic running and nothing saved."""
    version = services.load_tree(db.get_or_404(ChecklistVersion, version_id))
    today = local_today().isoformat()
    return render_template("checklists/preview.html", version=version, sections=checklist_sections(version),
                           answers={}, photos={}, entries={}, state=evaluate_form(version, {}, today=today),
                           today=today)


@bp.route("/versions/<int:version_id>/changes")
@roles_required(*MANAGERS)
def changes(version_id: int) -> t.Any:
    """What changed from another version (``?from=ID``, by default the one before) to this one."""
    new = db.get_or_404(ChecklistVersion, version_id)
    old_id = request.args.get("from", type=query_id)
    old = db.get_or_404(ChecklistVersion, old_id) if old_id else services.previous_version(new)
    if old is None:
        flash(_("This is the first version of the checklist; there is nothing to compare it with."), "info")
        return redirect(url_for("checklists.version", version_id=new.id))
    ensure(old.checklist_id == new.checklist_id)
    return render_template("checklists/changes.html", diff=services.compare_versions(old, new),
                           others=[v for v in new.checklist.versions if v.id != new.id])


@bp.post("/import")
@roles_required(*MANAGERS)
def import_form() -> t.Any:
    if not can_manage_schools(current_user):
        abort(403)
    form = ChecklistImportForm()
    if not form.validate_on_submit():
        flash(_("Choose an XLSForm file to import."), "error")
        return redirect(url_for("checklists.index"))
    upload = form.file.data
    version, changed = services.import_checklist(upload.read(), filename=upload.filename or "form.xlsx",
                                                 actor=current_user, publish=form.publish.data)
    db.session.commit()
    if not changed:
        flash(_("This file was imported before as version %(v)s; nothing changed.", v=version.version), "info")
    elif version.is_draft:
        flash(_("Draft version %(v)s imported with %(n)d items. Preview it, then publish it.", v=version.version,
                n=len(version.items)), "success")
    else:
        flash(_("Checklist version %(v)s imported with %(n)d items and published.", v=version.version,
                n=len(version.items)), "success")
    return redirect(url_for("checklists.version", version_id=version.id))


@bp.post("/versions/<int:version_id>/publish")
@roles_required(*MANAGERS)
def publish(version_id: int) -> t.Any:
    version = _manageable(version_id)
    services.publish_version(version, actor=current_user)
    db.session.commit()
    flash(_("Version %(v)s is published; campaigns can now use it.", v=version.version), "success")
    return redirect(url_for("checklists.version", version_id=version.id))


@bp.post("/versions/<int:version_id>/retire")
@roles_required(*MANAGERS)
def retire(version_id: int) -> t.Any:
    version = _manageable(version_id)
    services.retire_version(version, actor=current_user)
    db.session.commit()
    flash(_("Version %(v)s is retired; campaigns that use it go on, new campaigns cannot choose it.",
            v=version.version), "success")
    return redirect(url_for("checklists.version", version_id=version.id))


@bp.post("/versions/<int:version_id>/discard")
@roles_required(*MANAGERS)
def discard(version_id: int) -> t.Any:
    version = _manageable(version_id)
    label = version.version
    services.discard_draft(version, actor=current_user)
    db.session.commit()
    flash(_("Draft version %(v)s discarded.", v=label), "success")
    return redirect(url_for("checklists.index"))
