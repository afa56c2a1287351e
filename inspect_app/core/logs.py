"""One structured log line per request, and a request id that follows it.

Each request gets an id — the caller's ``X-Request-ID`` when it is a plausible one (a balancer's),
else a new one — sent back in the ``X-Request-ID`` response header and written in every log line
of that request. With ``LOG_FORMAT = "json"`` (the default) each line is one JSON object:
time, level, logger, message, request id, user id, method, path, status and duration in
milliseconds, ready for journald, Loki or any log shipper.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import typing as t
import uuid
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask.logging import default_handler

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._\-]{8,128}$")
LOGGER = "inspect_app.requests"
request_log = logging.getLogger(LOGGER)


def _request_fields() -> dict[str, t.Any]:
    if not has_request_context():
        return {}
    fields: dict[str, t.Any] = {"request_id": g.get("request_id")}
    # The signed-in user's id as the session already knows it: reading an attribute of the user could
    # load it from the database, inside the log handler's lock (and, on SQLite, behind a writer).
    state = sa.inspect(g.get("_login_user"), raiseerr=False)
    if state is not None and state.identity:
        fields["user_id"] = state.identity[0]
    return fields


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON, with the current request's id and user."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, t.Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_request_fields())
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = {**_request_fields(), **getattr(record, "fields", {})}
        if extra:
            line += " " + " ".join(f"{key}={value}" for key, value in extra.items() if value is not None)
        return line


def start_request() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID_RE.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    if started is not None and request.endpoint != "static":
        request_log.info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"fields": {"method": request.method, "path": request.path, "status": response.status_code,
                              "duration_ms": round((time.perf_counter() - started) * 1000, 1)}},
        )
    return response


def configure_logging(app: Flask) -> None:
    """Send the app's log lines (``inspect_app.*`` and Flask's own) to stderr in the configured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json"
                         else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    level = app.config["LOG_LEVEL"]
    for name in ("inspect_app", app.logger.name):
        logger = logging.getLogger(name)
        # One handler of ours per logger, however many apps a process builds (tests build many).
        logger.handlers = [h for h in logger.handlers
                           if h is not default_handler and not getattr(h, "_inspect_app", False)]
        handler._inspect_app = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(start_request)
    app.after_request(finish_request)
