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
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from ..core.imports import import_upload
from ..core.inputs import query_id
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..core.roles import Role
from ..errors import ValidationFailed
from ..extensions import db
from . import importers
from . import regions
from . import services
from .forms import CityForm
from .forms import CountyForm
from .forms import ImportForm
from .forms import RegionCountyForm
from .models import City
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
    county_id = request.args.get("county", type=query_id)
    city_id = request.args.get("city", type=query_id)
    stmt = services.school_query(current_user, q=q, county_id=county_id, level=_level_arg(), city_id=city_id)
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("schools/index.html", page=page, q=q, county_id=county_id, level=_level_arg(),
                           cities=regions.visible_cities(current_user), city_id=city_id,
                           counties=services.counties(current_user), levels=list(SchoolLevel),
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
                           counties=services.counties(current_user))


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
                           counties=services.counties(current_user)), 422


def _regions_page(city_form: CityForm | None = None, county_form: RegionCountyForm | None = None,
                  edit: tuple[int, CityForm] | None = None, status: int = 200) -> t.Any:
    county_form = county_form or RegionCountyForm(prefix="county")
    county_form.city_id.choices = [SelectChoice(c.id, c.name) for c in regions.cities()]
    forms = {city.id: CityForm(prefix=f"city{city.id}", obj=city) for city in regions.cities()}
    if edit is not None:
        forms[edit[0]] = edit[1]
    return render_template("schools/regions.html", provinces=regions.provinces(), forms=forms,
                           city_form=city_form or CityForm(prefix="city"), county_form=county_form), status


@bp.route("/regions")
@roles_required(Role.ADMIN)
def regions_page() -> t.Any:
    """The province, its cities with their issuing offices, and their counties."""
    regions.home_city()
    db.session.commit()
    return _regions_page()


def _saved(form: FlaskForm, save: t.Callable[[], str]) -> t.Any | None:
    """Run ``save`` (it answers the message to flash) when the form holds; a refusal is put beside the form."""
    if not form.validate():
        return None
    try:
        message = save()
    except ValidationFailed as err:
        db.session.rollback()
        form.form_errors.extend([err.message, *err.details])
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("schools.regions_page"))


@bp.post("/regions/cities")
@roles_required(Role.ADMIN)
def add_city() -> t.Any:
    form = CityForm(prefix="city")

    def save() -> str:
        city = regions.create_city(regions.home_city().province, form.name.data or "",
                                   org_name=form.org_name.data or "", code=form.code.data or None,
                                   actor=current_user)
        return _("City %(name)s added.", name=city.name)

    return _saved(form, save) or _regions_page(city_form=form, status=422)


@bp.post("/regions/cities/<int:city_id>")
@roles_required(Role.ADMIN)
def edit_city(city_id: int) -> t.Any:
    city = db.get_or_404(City, city_id)
    form = CityForm(prefix=f"city{city.id}")

    def save() -> str:
        regions.update_city(city, name=form.name.data or "", org_name=form.org_name.data or "",
                            code=form.code.data or None, actor=current_user)
        return _("City %(name)s saved.", name=city.name)

    return _saved(form, save) or _regions_page(edit=(city_id, form), status=422)


@bp.post("/regions/counties")
@roles_required(Role.ADMIN)
def add_region_county() -> t.Any:
    form = RegionCountyForm(prefix="county")
    form.city_id.choices = [SelectChoice(c.id, c.name) for c in regions.cities()]

    def save() -> str:
        county = services.create_county(form.name.data or "", code=form.code.data or None,
                                        city=db.session.get(City, form.city_id.data), actor=current_user)
        return _("County %(name)s added.", name=county.name)

    return _saved(form, save) or _regions_page(county_form=form, status=422)
