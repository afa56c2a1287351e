"""The installable web app (service worker, app manifest, what to keep offline) and the supervisor's sync review."""

from __future__ import annotations

import hashlib
import typing as t
from pathlib import Path

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.models import Role
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..extensions import db
from ..visits import services as visit_services
from ..visits.models import Visit
from ..visits.permissions import can_review_visit
from ..visits.permissions import can_view_visit
from . import services
from .models import OpStatus
from .models import SyncOp

bp = Blueprint("sync", __name__, template_folder="templates")

# The files of the app shell kept for offline use (relative to static/).
SHELL = (
    "css/app.css", "img/icon.svg", "img/icon-192.png", "img/icon-512.png",
    "js/app.js", "js/offline.js", "js/expressions.js", "js/formlogic.js", "js/visit.js", "js/store.js",
    "js/sync.js", "js/photos.js", "js/signatures.js", "js/checkin.js", "js/uuid.js", "js/facesurvey.js",
    "vendor/idb-8.0.4/index.js", "vendor/signature_pad-5.1.4/signature_pad.js",
)


def _static(name: str) -> Path:
    return Path(t.cast(str, current_app.static_folder)) / name


def shell_version() -> str:
    """A hash of the shell's files and the service worker: it changes with every release that changes them."""
    digest = hashlib.sha256()
    for name in (*SHELL, "js/sw.js"):
        digest.update(name.encode())
        digest.update(_static(name).read_bytes())
    return digest.hexdigest()[:16]


@bp.route("/sw.js")
def service_worker() -> t.Any:
    """The service worker, from the root so that it controls every page (never cached by the browser)."""
    response = current_app.response_class(_static("js/sw.js").read_bytes(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
def web_manifest() -> t.Any:
    """The app manifest: name, icons, start page; lets a tablet install the app on its home screen."""
    manifest = {
        "name": _("Student-aid inspection"), "short_name": _("Inspection"), "lang": "zh-CN",
        "start_url": url_for("dashboard.home"), "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1d4f91",
        "icons": [
            {"src": url_for("static", filename="img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url_for("static", filename="img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = jsonify(manifest)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/offline/manifest.json")
@roles_required(Role.INSPECTOR)
def offline_manifest() -> t.Any:
    """What "Prepare for offline" keeps: the shell, the visit list and each visit under way (with its checklist)."""
    visits = [v for v in visit_services.inspector_visits(current_user) if v.status.editable]
    return jsonify(
        version=shell_version(), user=current_user.id,
        shell=[url_for("static", filename=name) for name in SHELL]
        + [url_for("sync.web_manifest"), url_for("sync.fallback")],
        pages=[url_for("visits.mine")] + [url_for("visits.show", visit_id=v.id) for v in visits],
        visits=[{"uuid": v.uuid, "url": url_for("visits.show", visit_id=v.id), "school": v.school.name,
                 "checklist_version_id": v.checklist_version_id} for v in visits],
    )


@bp.route("/offline/")
def fallback() -> t.Any:
    """The page shown offline for an address that was not kept."""
    return render_template("sync/fallback.html")


@bp.route("/visits/<int:visit_id>/sync")
@roles_required(*STAFF)
def history(visit_id: int) -> t.Any:
    """A visit's sync history: every request the tablets sent, and the parallel edits and refusals flagged."""
    visit = db.get_or_404(Visit, visit_id)
    ensure(can_view_visit(current_user, visit))
    labels = {"duplicate": _("Duplicate"), **{s.value: s.label for s in OpStatus}}
    return render_template("sync/history.html", visit=visit, requests=services.history(visit),
                           flagged=services.flagged_ops(visit), can_review=can_review_visit(current_user, visit),
                           op_labels=labels)


@bp.post("/sync/ops/<int:op_id>/acknowledge")
@roles_required(Role.ADMIN, Role.SUPERVISOR)
def acknowledge(op_id: int) -> t.Any:
    op = db.get_or_404(SyncOp, op_id)
    visit = db.session.get(Visit, op.visit_id)
    ensure(visit is not None and can_review_visit(current_user, visit))
    services.acknowledge(op, actor=current_user)
    db.session.commit()
    flash(_("Acknowledged."), "success")
    return redirect(url_for("sync.history", visit_id=op.visit_id) + "#flagged")
