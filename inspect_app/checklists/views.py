from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.permissions import MANAGERS
from ..core.permissions import can_manage_schools
from ..core.permissions import roles_required
from ..extensions import db
from . import services
from .forms import ChecklistImportForm
from .models import Checklist
from .models import ChecklistVersion

bp = Blueprint("checklists", __name__, url_prefix="/checklists", template_folder="templates")


@bp.route("/")
@roles_required(*MANAGERS)
def index() -> t.Any:
    checklists = db.session.scalars(sa.select(Checklist).order_by(Checklist.id)).all()
    return render_template("checklists/index.html", checklists=checklists, form=ChecklistImportForm(),
                           can_import=can_manage_schools(current_user))


@bp.route("/versions/<int:version_id>")
@roles_required(*MANAGERS)
def version(version_id: int) -> t.Any:
    version = db.get_or_404(ChecklistVersion, version_id)
    return render_template("checklists/version.html", version=version)


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
    version, created = services.import_checklist(upload.read(), filename=upload.filename or "form.xlsx",
                                                 actor=current_user)
    db.session.commit()
    if created:
        flash(_("Checklist version %(v)s imported with %(n)d items.", v=version.version, n=len(version.items)),
              "success")
    else:
        flash(_("This file was imported before as version %(v)s; nothing changed.", v=version.version), "info")
    return redirect(url_for("checklists.version", version_id=version.id))
