from __future__ import annotations

import typing as t
from decimal import Decimal

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.models import Role
from ..core.permissions import STAFF
from ..core.permissions import roles_required
from ..db import local_today
from ..errors import ValidationFailed
from ..extensions import db
from . import services
from .forms import AllocationForm
from .forms import StandardForm
from .models import FundAllocation
from .models import FundingStandard
from .programmes import FundLine
from .programmes import FundSource
from .programmes import Programme
from .programmes import Semester
from .programmes import parse_semester

bp = Blueprint("funds", __name__, url_prefix="/funds", template_folder="templates")


def _can_allocate() -> bool:
    return current_user.role == Role.ADMIN or (current_user.role == Role.SUPERVISOR and current_user.county_id is None)


def _form_errors(form: t.Any) -> None:
    messages = [f"{getattr(form, name).label.text}: {m}" for name, ms in form.errors.items() for m in ms]
    raise ValidationFailed(_("The form has problems."), details=messages)


@bp.app_template_filter("wan")
def wan_filter(value: Decimal | int | None) -> str:
    return services.wan(value)


@bp.app_template_filter("yuan")
def yuan_filter(value: Decimal | int | None) -> str:
    return services.yuan(value)


@bp.route("/")
@roles_required(*STAFF)
def index() -> t.Any:
    semesters = services.semesters_with_data()
    current = Semester.containing(local_today())
    asked = parse_semester(request.args.get("semester", ""))
    chosen = asked or services.opening_semester(semesters, local_today())
    form = AllocationForm(semester=str(chosen))
    return render_template("funds/index.html", figures=services.term_figures(chosen), semester=chosen,
                           semesters=semesters, form=form, can_allocate=_can_allocate(),
                           current=None if asked or chosen == current else current)


@bp.post("/allocations")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def add_allocation() -> t.Any:
    if not _can_allocate():
        abort(403)
    form = AllocationForm()
    if not form.validate():
        _form_errors(form)
    amount = services.parse_money(form.amount.data or "", what=_("Amount")) * 10000
    allocation = services.add_allocation(semester=form.semester.data or "", fund_line=FundLine(form.fund_line.data),
                                         source=FundSource(form.source.data), amount=amount,
                                         document=form.document.data or "", actor=current_user)
    db.session.commit()
    flash(_("Allocation recorded."), "success")
    return redirect(url_for("funds.index", semester=allocation.semester))


@bp.post("/allocations/<int:allocation_id>/delete")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def delete_allocation(allocation_id: int) -> t.Any:
    if not _can_allocate():
        abort(403)
    allocation = db.get_or_404(FundAllocation, allocation_id)
    semester = allocation.semester
    services.delete_allocation(allocation, actor=current_user)
    db.session.commit()
    flash(_("Allocation removed."), "success")
    return redirect(url_for("funds.index", semester=semester))


@bp.route("/standards")
@roles_required(*STAFF, Role.INSPECTOR)
def standards() -> t.Any:
    return render_template("funds/standards.html", standards=services.standards(), form=StandardForm(),
                           can_edit=current_user.role == Role.ADMIN, programmes=list(Programme))


@bp.post("/standards")
@roles_required(Role.ADMIN)
def add_standard() -> t.Any:
    return _save_standard(None)


@bp.post("/standards/<int:standard_id>")
@roles_required(Role.ADMIN)
def edit_standard(standard_id: int) -> t.Any:
    return _save_standard(db.get_or_404(FundingStandard, standard_id))


def _save_standard(standard: FundingStandard | None) -> t.Any:
    form = StandardForm()
    if not form.validate():
        _form_errors(form)
    services.save_standard(programme=Programme(form.programme.data), effective_from=form.effective_from.data or "",
                           tier=form.tier.data or 1, amount=form.amount.data or "", basis=form.basis.data or "",
                           standard=standard, actor=current_user)
    db.session.commit()
    flash(_("Standard saved. Checks from now on use it; earlier checks keep the figures they used."), "success")
    return redirect(url_for("funds.standards"))


@bp.post("/standards/<int:standard_id>/delete")
@roles_required(Role.ADMIN)
def delete_standard(standard_id: int) -> t.Any:
    services.delete_standard(db.get_or_404(FundingStandard, standard_id), actor=current_user)
    db.session.commit()
    flash(_("Standard removed."), "success")
    return redirect(url_for("funds.standards"))
