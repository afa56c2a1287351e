"""The JSON API under /api/v1: thin adapters over the same services the pages use (see docs/api.md).

Every view is on the one ``bp`` (see :mod:`.blueprint`); importing this module registers them all, the
read API's (:mod:`.read`) included.

Authentication is the browser's session, with the CSRF token from ``GET /api/v1/csrf`` in an
``X-CSRFToken`` header on every write, or a personal token (``Authorization: Bearer TOKEN``),
which needs no CSRF token. An expired session or a revoked token answers 401.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import LoginManager
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import BadRequest

from ..auth import services as auth_services
from ..auth.models import Role
from ..auth.models import User
from ..auth.sessions import client_address
from ..auth.sessions import start_session
from ..campaigns.models import Campaign
from ..campaigns.permissions import can_view_campaign
from ..checklists.logic import form_model
from ..checklists.models import ChecklistItem
from ..checklists.models import ChecklistVersion
from ..core.inputs import MAX_ID
from ..core.inputs import parse_json_body
from ..core.permissions import STAFF
from ..core.permissions import ensure
from ..core.permissions import roles_required
from ..errors import ValidationFailed
from ..extensions import csrf
from ..extensions import db
from ..media import services as media
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..media.models import FileStatus
from ..media.models import Signer
from ..reports import raw_export
from ..sync import services as sync
from ..visits import services as visit_services
from ..visits.models import Visit
from ..visits.models import VisitInspector
from ..visits.permissions import can_view_visit
from ..visits.permissions import is_assigned
from . import read as read
from .blueprint import bp as bp
from .openapi import document

# The lengths of attachments.original_name and attachments.signer_name.
MAX_FILENAME = 256
MAX_SIGNER_NAME = 64
PUBLIC = {"api.openapi", "api.csrf_token", "api.login"}
SAFE = {"GET", "HEAD", "OPTIONS"}


def init_app(app: Flask, manager: LoginManager) -> None:
    """Accept ``Authorization: Bearer TOKEN`` on the API (and nowhere else)."""

    @manager.request_loader
    def load_from_token(req: t.Any) -> User | None:
        header = req.headers.get("Authorization", "")
        if not req.path.startswith("/api/") or not header.startswith("Bearer "):
            return None
        user = auth_services.user_for_token(header[7:].strip())
        if user is not None:
            g.api_token = True
            db.session.commit()
        return user


# The headers the API reads; with the query string, they may not carry a NUL (no database column stores one).
READ_HEADERS = ("Authorization", "Idempotency-Key", "X-Client-Id", "X-Content-SHA256", "X-CSRFToken")


@bp.before_request
def authenticate() -> t.Any:
    """400 for a NUL in what the API reads; 401 for a write without a valid session or token; CSRF for sessions."""
    if request.endpoint in PUBLIC and request.endpoint != "api.login":
        return None
    if any("\x00" in v for v in request.args.values()) or \
            any("\x00" in request.headers.get(h, "") for h in READ_HEADERS):
        raise ValidationFailed(_("The request contains a NUL character."))
    authenticated = current_user.is_authenticated  # runs the token loader, which sets g.api_token
    if request.headers.get("Authorization") and not g.get("api_token"):
        return jsonify(error=_("The API token is not valid or has been revoked."), code="unauthorized"), 401
    if request.endpoint != "api.login" and not authenticated:
        return jsonify(error=_("Your session has ended. Log in again."), code="unauthorized"), 401
    if request.method not in SAFE and not g.get("api_token"):
        _check_csrf()
    return None


def _check_csrf() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _client() -> sync.Client:
    return sync.Client(client_id=request.headers.get("X-Client-Id"), user_agent=request.user_agent.string,
                       via_token=bool(g.get("api_token")))


def _json_body() -> dict[str, t.Any]:
    try:
        body = parse_json_body()
    except BadRequest as err:
        # Malformed, nested too deep, a lone surrogate, an integer beyond 64 bits (core/inputs.py).
        raise ValidationFailed(_("Send a JSON object."), details=[str(err.description)]) from None
    if not isinstance(body, dict):
        raise ValidationFailed(_("Send a JSON object."))
    return body


def _key() -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ValidationFailed(_("Send an Idempotency-Key header: a new UUID for each batch, the same one "
                                 "when the batch is sent again."))
    if len(key) > 64:
        raise ValidationFailed(_("The Idempotency-Key is longer than %(n)d characters.", n=64))
    return key


def _respond(outcome: sync.Outcome) -> t.Any:
    db.session.commit()
    response = jsonify(outcome.body)
    response.status_code = outcome.status
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _visit(key: str) -> Visit:
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key.lower()))
    ensure(visit is not None and can_view_visit(current_user, visit))
    return t.cast(Visit, visit)


def _fillable(key: str, *, lock: bool = False) -> Visit:
    """The visit an inspector writes to (one assigned to them), read once; with ``lock``, under its row lock."""
    visit = sync.visit_to_write(key, lock=lock)
    ensure(visit is not None and can_view_visit(current_user, visit) and is_assigned(current_user, visit))
    return t.cast(Visit, visit)


def _actor() -> User:
    """The signed-in user itself, not the proxy: a sync write reads its id and name many times."""
    return t.cast(User, current_user._get_current_object())  # type: ignore[attr-defined]


def _user_json(user: User) -> dict[str, t.Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role.value}


@bp.get("/openapi.json")
def openapi() -> t.Any:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(document(url_for("api.openapi", _external=False).rsplit("/", 1)[0]))


@bp.get("/csrf")
def csrf_token() -> t.Any:
    """A fresh CSRF token for the session, to send as X-CSRFToken on writes (cached pages carry none)."""
    return jsonify(csrf_token=generate_csrf())


@bp.post("/session")
def login() -> t.Any:
    """Log in again with the password (the sync queue waits meanwhile); answers the user or 401."""
    _check_csrf()
    body = _json_body()
    try:
        user = auth_services.authenticate(str(body.get("username") or ""), str(body.get("password") or ""),
                                          address=client_address())
    except auth_services.LoginLocked as locked:
        db.session.commit()
        return jsonify(error=locked.message, code=locked.code, retry_after=locked.retry_after), 429, {
            "Retry-After": str(locked.retry_after)}
    db.session.commit()
    if user is None:
        return jsonify(error=_("Wrong user name or password."), code="unauthorized"), 401
    start_session(user, remember=bool(body.get("remember")))
    return jsonify(user=_user_json(user), csrf_token=generate_csrf())


@bp.get("/me")
def me() -> t.Any:
    return jsonify(user=_user_json(current_user), via_token=bool(g.get("api_token")))


@bp.get("/visits")
@roles_required(Role.INSPECTOR, *STAFF)
def visits() -> t.Any:
    """The inspector's visits of campaigns under way; for staff, the visits in their scope, a page at a time."""
    if current_user.role == Role.INSPECTOR:
        rows = visit_services.inspector_visits(current_user)
        page, pages = 1, 1
    else:
        stmt = visit_services.visit_list_query(current_user)
        paginated = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
        rows, page, pages = list(paginated.items), paginated.page, paginated.pages or 1
    return jsonify(page=page, pages=pages, visits=[
        {"uuid": v.uuid, "id": v.id, "status": v.status.value, "planned_on": v.planned_on.isoformat()
         if v.planned_on else None, "school": {"id": v.school_id, "code": v.school.code, "name": v.school.name},
         "campaign": {"id": v.campaign_id, "code": v.campaign.code, "name": v.campaign.name},
         "checklist_version_id": v.checklist_version_id, "url": url_for("visits.show", visit_id=v.id)}
        for v in rows])


@bp.get("/visits/<key>")
@roles_required(Role.INSPECTOR, *STAFF)
def visit(key: str) -> t.Any:
    return jsonify(sync.visit_state(_visit(key)))


@bp.put("/visits/<key>")
@roles_required(Role.INSPECTOR)
def open_visit(key: str) -> t.Any:
    return _respond(sync.open_visit(_fillable(key, lock=True), _json_body(), actor=_actor(), client=_client()))


@bp.post("/visits/<key>/ops")
@roles_required(Role.INSPECTOR)
def ops(key: str) -> t.Any:
    visit = _fillable(key, lock=True)
    idempotency_key = _key()
    body = _json_body()
    return _respond(sync.apply_batch(visit, body.get("ops"), key=idempotency_key, actor=_actor(),
                                     client=_client()))


@bp.post("/visits/<key>/submit")
@roles_required(Role.INSPECTOR)
def submit(key: str) -> t.Any:
    visit = _fillable(key, lock=True)
    return _respond(sync.submit(visit, key=_key(), actor=_actor(), client=_client()))


@bp.put("/media/<key>")
@roles_required(Role.INSPECTOR)
def put_media(key: str) -> t.Any:
    args = request.args
    visit = _fillable(args.get("visit", ""))
    sha256 = request.headers.get("X-Content-SHA256", "")
    if not sha256:
        raise ValidationFailed(_("Send the SHA-256 of the bytes in X-Content-SHA256."))
    kind = args.get("kind", "photo")
    if kind not in ("photo", "signature"):
        raise ValidationFailed(_("“kind” is photo or signature, not “%(v)s”.", v=kind))
    filename = sync.parse_text(args.get("filename"), "filename", max_length=MAX_FILENAME) or f"{key}.jpg"
    target = sync.MediaTarget(visit=visit, kind=AttachmentKind(kind), filename=filename)
    if kind == "signature":
        signer = args.get("signer", "")
        if signer not in {s.value for s in Signer}:
            raise ValidationFailed(_("“signer” is inspector or school, not “%(v)s”.", v=signer))
        target.signer = Signer(signer)
        target.signer_name = sync.parse_text(args.get("signer_name"), "signer_name", max_length=MAX_SIGNER_NAME)
    else:
        item_id = args.get("item", type=int)
        item = db.session.get(ChecklistItem, item_id) if item_id and 0 < item_id <= MAX_ID else None
        if item is None or item.version_id != visit.checklist_version_id:
            raise ValidationFailed(_("Item %(id)s is not part of the visit's checklist.", id=args.get("item")))
        target.item = item
        target.entry = visit_services.optional_entry(visit, args.get("entry"))
        target.capture = media.Capture(
            taken_at=sync.parse_time(args.get("taken_at"), "taken_at"),
            latitude=sync.parse_decimal(args.get("latitude"), "latitude", limit=90),
            longitude=sync.parse_decimal(args.get("longitude"), "longitude", limit=180),
            accuracy_m=sync.parse_decimal(args.get("accuracy_m"), "accuracy_m", limit=sync.MAX_ACCURACY_M))
    outcome = sync.put_media(key, request.get_data(cache=False), sha256=sha256, target=target, actor=_actor(),
                             client=_client())
    return _respond(outcome)


@bp.get("/media/<key>")
@roles_required(Role.INSPECTOR, *STAFF)
def get_media(key: str) -> t.Any:
    """A photo or signature: ``variant`` original (default), thumb or stamped."""
    attachment = db.session.scalar(sa.select(Attachment).where(Attachment.uuid == key.lower()))
    visit = db.session.get(Visit, attachment.visit_id) if attachment and attachment.visit_id else None
    ensure(visit is not None and can_view_visit(current_user, visit))
    assert attachment is not None
    if attachment.status == FileStatus.PROCESSING:
        # Not decoded yet: ask again shortly.
        return {"status": attachment.status.value}, 202, {"Retry-After": "5"}
    if attachment.status == FileStatus.REFUSED:
        return {"status": attachment.status.value, "error": attachment.refused_reason}, 422
    variant = request.args.get("variant", "original")
    return media.serve(attachment, thumb=variant == "thumb", stamped=variant == "stamped", attachment_download=False)


@bp.get("/checklists/<int:version_id>")
@roles_required(Role.INSPECTOR, *STAFF)
def checklist(version_id: int) -> t.Any:
    """A checklist version's items, choices and logic (the model formlogic.js evaluates)."""
    version = db.get_or_404(ChecklistVersion, version_id)
    if current_user.role == Role.INSPECTOR:
        assigned = db.session.scalar(sa.select(sa.exists().where(
            VisitInspector.user_id == current_user.id, VisitInspector.visit_id == Visit.id,
            Visit.checklist_version_id == version.id)))
        ensure(bool(assigned))
    model = form_model(version)
    labels = {i.id: (i.label, i.choices) for i in version.items}
    for item in model["items"]:
        item["label"], item["choices"] = labels[item["id"]]
    return jsonify(id=version.id, version=version.version, title=version.title, status=version.status.value, **model)


def _export(code: str, extension: str) -> t.Any:
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == code))
    ensure(campaign is not None and can_view_campaign(current_user, campaign))
    assert campaign is not None
    return raw_export.response(campaign, extension, viewer=current_user, table_name=request.args.get("list", ""))


@bp.get("/campaigns/<code>/export.csv")
@roles_required(*STAFF)
def export_csv(code: str) -> t.Any:
    """A campaign's raw data as CSV: the visits in the caller's scope, or with ``list`` a repeat's entries."""
    return _export(code, "csv")


@bp.get("/campaigns/<code>/export.xlsx")
@roles_required(*STAFF)
def export_xlsx(code: str) -> t.Any:
    """A campaign's raw data as .xlsx: the visits in the caller's scope, and a sheet per repeat."""
    return _export(code, "xlsx")
