"""Domain errors raised by services, and how the web layer answers them."""

from __future__ import annotations

import logging
import typing as t

import sqlalchemy as sa
from flask import Flask
from flask import flash
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db

log = logging.getLogger(__name__)

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response


class ServiceError(Exception):
    """A refusal a user can act on; ``str(err)`` is already translated."""

    status_code = 400
    #: A stable name for the kind of refusal, in every JSON error body (``code``).
    code = "invalid"

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ValidationFailed(ServiceError):
    """Input was rejected; ``details`` names each row, field or file at fault."""


class InvalidTransition(ServiceError):
    """The object is not in a state that allows this action."""

    status_code = 409
    code = "conflict"


class PermissionDenied(ServiceError):
    status_code = 403
    code = "forbidden"


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_service_error(err: ServiceError) -> Response | tuple[str, int] | tuple[Response, int]:
    db.session.rollback()
    if _wants_json():
        return jsonify(error=err.message, code=err.code, details=err.details), err.status_code
    referrer = request.referrer or ""
    if request.method == "POST" and err.status_code in (400, 409) and referrer.startswith(request.host_url):
        # Back to the form the user came from, with the reasons on top.
        flash(err.message, "error")
        for line in err.details[:50]:
            flash(line, "error-detail")
        return redirect(referrer), 303
    return render_template("errors/error.html", code=err.status_code, message=err.message,
                           details=err.details[:200]), err.status_code


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
              429: "too_many_requests", 500: "server_error", 503: "busy"}


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
        details = [err.description] if code == 400 and err.description else []
        return jsonify(error=message, code=HTTP_CODES.get(code, str(code)), details=details), code
    return render_template("errors/error.html", code=code, message=message), code


def _error(status: int, code: str, message: str, *, retry_after: int | None = None) -> t.Any:
    if _wants_json():
        response = jsonify(error=message, code=code, details=[])
    else:
        response = make_response(render_template("errors/error.html", code=status, message=message))
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _rollback() -> None:
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        log.exception("rollback after a database error failed")


def handle_database_busy(err: sa.exc.OperationalError | sa.exc.PendingRollbackError) -> t.Any:
    """The database is locked, busy or away for a moment: 503 with Retry-After, which clients honour."""
    log.warning("database busy: %s", str(err).splitlines()[0][:300])
    _rollback()
    return _error(503, "busy", _("The server is busy. Try again in a moment."), retry_after=2)


def handle_database_refusal(err: sa.exc.DataError | sa.exc.IntegrityError) -> t.Any:
    """A value the database will not take: out of range, of the wrong kind, or clashing with a row."""
    log.warning("database refused a value: %s", str(err).splitlines()[0][:300])
    _rollback()
    if isinstance(err, sa.exc.IntegrityError):
        return _error(409, "conflict", _("This conflicts with data already saved. Reload and try again."))
    return _error(422, "invalid", _("A value is out of range or of the wrong kind."))


def handle_unexpected(err: Exception) -> t.Any:
    """Anything else: logged with its traceback, answered as a 500 in the client's format."""
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=err)
    _rollback()
    return _error(500, "server_error", _("Something went wrong on the server. The error has been logged."))


def handle_csrf_error(err: CSRFError) -> t.Any:
    message = _("The form has expired or was not sent from this site. Reload the page and try again.")
    if _wants_json():
        return jsonify(error=message, code="csrf", details=[]), 400
    return render_template("errors/error.html", code=400, message=message), 400


def init_app(app: Flask) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(sa.exc.OperationalError, handle_database_busy)
    app.register_error_handler(sa.exc.PendingRollbackError, handle_database_busy)
    app.register_error_handler(sa.exc.DataError, handle_database_refusal)
    app.register_error_handler(sa.exc.IntegrityError, handle_database_refusal)
    app.register_error_handler(Exception, handle_unexpected)
