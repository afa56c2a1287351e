from __future__ import annotations

import functools
import io
import typing as t

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.imports import import_upload
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..errors import ValidationFailed
from ..extensions import db
from . import importers
from . import services
from .forms import CountyForm
from .forms import ImportForm
from .models import School
from .models import SchoolLevel
from .permissions import can_manage_schools
from .permissions import can_view_school

bp = Blueprint("schools", __name__, url_prefix="/schools", template_folder="templates")


def _level_arg() -> SchoolLevel | None:
    value = request.args.get("level")
    return SchoolLevel(value) if value in {lvl.value for lvl in SchoolLevel} else None


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    q = request.args.get("q", "").strip()
    county_id = request.args.get("county", type=int)
    stmt = services.school_query(current_user, q=q, county_id=county_id, level=_level_arg())
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("schools/index.html", page=page, q=q, county_id=county_id, level=_level_arg(),
                           counties=services.counties(), levels=list(SchoolLevel),
                           can_manage=can_manage_schools(current_user))


@bp.route("/<int:school_id>")
@roles_required(*STAFF)
def show(school_id: int) -> t.Any:
    school = db.get_or_404(School, school_id)
    ensure(can_view_school(current_user, school))
    return render_template("schools/show.html", school=school)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_schools() -> t.Any:
    if not can_manage_schools(current_user):
        abort(403)
    form = ImportForm()
    done = import_upload(
        form, functools.partial(importers.import_schools, actor=current_user), default_name="upload.xlsx",
        done=lambda result: _("Import finished: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
                              created=result.created, updated=result.updated, unchanged=result.unchanged),
        next_url=url_for("schools.index"))
    if done is not None:
        return done
    return render_template("schools/import.html", form=form, county_form=CountyForm(prefix="county"),
                           counties=services.counties())


@bp.route("/import/template.xlsx")
@roles_required(*STAFF)
def import_template() -> t.Any:
    if not can_manage_schools(current_user):
        abort(403)
    return send_file(io.BytesIO(importers.template_workbook()), as_attachment=True,
                     download_name="学校导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/counties")
@roles_required(*STAFF)
def add_county() -> t.Any:
    if not can_manage_schools(current_user):
        abort(403)
    form = CountyForm(prefix="county")
    if form.validate():
        try:
            county = services.create_county(form.name.data or "", code=form.code.data or None,
                                            city=current_user.city, actor=current_user)
        except ValidationFailed as err:
            db.session.rollback()
            form.form_errors.extend([err.message, *err.details])
        else:
            db.session.commit()
            flash(_("County %(name)s added.", name=county.name), "success")
            return redirect(url_for("schools.import_schools"))
    # A refused county comes back on the import page as typed, its errors beside its fields.
    return render_template("schools/import.html", form=ImportForm(), county_form=form,
                           counties=services.counties()), 422
