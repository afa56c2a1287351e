from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from flask_login import current_user

from ..auth.models import Role
from ..core.permissions import in_region
from ..core.permissions import roles_required
from ..core.privacy import mask_id_number
from ..extensions import db
from ..schools.models import School
from . import sentences
from . import services
from .labels import ACTION_LABELS
from .labels import action_label
from .labels import object_label
from .models import AuditEntry

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
# Pages of every feature show audit entries (macros/forms.html), so the labels are app-wide globals.
bp.add_app_template_global(action_label)
bp.add_app_template_global(object_label)
bp.add_app_template_global(sentences.lines, "audit_lines")
# `{{ number|mask_id }}`: a resident ID number with only its first and last four characters shown.
bp.add_app_template_filter(mask_id_number, "mask_id")


@bp.route("/")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def index() -> t.Any:
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if current_user.scope_county_ids is not None:
        in_region_ = sa.select(School.id).where(in_region(current_user, School.county_id))
        stmt = stmt.where(AuditEntry.school_id.in_(in_region_))
    action = request.args.get("action")
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    actor = request.args.get("actor", "").strip()
    if actor:
        stmt = stmt.where(AuditEntry.actor_name == actor)
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("audit/index.html", page=page, actions=sorted(ACTION_LABELS), action=action,
                           actor=actor, head=services.head())
