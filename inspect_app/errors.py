"""Domain errors raised by services, and how the web layer answers them."""

from __future__ import annotations

import typing as t

from flask import Flask
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response


class ServiceError(Exception):
    """A refusal a user can act on; ``str(err)`` is already translated."""

    status_code = 400

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ValidationFailed(ServiceError):
    """Input was rejected; ``details`` names each row, field or file at fault."""


class InvalidTransition(ServiceError):
    """The object is not in a state that allows this action."""

    status_code = 409


class PermissionDenied(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_service_error(err: ServiceError) -> Response | tuple[str, int] | tuple[Response, int]:
    from .extensions import db

    db.session.rollback()
    if _wants_json():
        return jsonify(error=err.message, details=err.details), err.status_code
    referrer = request.referrer or ""
    if request.method == "POST" and err.status_code in (400, 409) and referrer.startswith(request.host_url):
        # Back to the form the user came from, with the reasons on top.
        flash(err.message, "error")
        for line in err.details[:50]:
            flash(line, "error-detail")
        return redirect(referrer), 303
    return render_template("errors/error.html", code=err.status_code, message=err.message,
                           details=err.details[:200]), err.status_code


def handle_http_error(err: HTTPException) -> t.Any:
    code = err.code or 500
    if code < 400:
        return err
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist, or you cannot see it."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        500: _("Something went wrong on the server. The error has been logged."),
    }
    message = messages.get(code, err.description or "")
    if _wants_json():
        return jsonify(error=message), code
    return render_template("errors/error.html", code=code, message=message), code


def handle_csrf_error(err: CSRFError) -> t.Any:
    message = _("The form has expired or was not sent from this site. Reload the page and try again.")
    if _wants_json():
        return jsonify(error=message), 400
    return render_template("errors/error.html", code=400, message=message), 400


def init_app(app: Flask) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
