"""Liveness and readiness for a load balancer: ``/healthz`` and ``/readyz``.

``/healthz`` says only that the process answers. ``/readyz`` says whether this process can do its
work: the database answers, its schema is at the migrations' head, and the file store takes a file.
Both answer JSON, need no sign-in and are never cached.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask
from flask import current_app
from flask import jsonify

from ..extensions import csrf
from ..extensions import db
from . import storage

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response

Check = t.Callable[[], str | None]


def healthz() -> tuple[Response, int]:
    return jsonify(status="ok"), 200


def database_check() -> str | None:
    """None when the database answers, else why not."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as err:
        db.session.rollback()
        return f"database unreachable: {type(err).__name__}"
    return None


def migrations_check() -> str | None:
    """None when the database's schema revision is the migrations' head."""
    config = Config()
    config.set_main_option("script_location", current_app.config["MIGRATIONS_DIR"])
    heads = set(ScriptDirectory.from_config(config).get_heads())
    try:
        current = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return "database has no schema revision: run `inspect-app db upgrade`"
    if current != heads:
        return f"schema at {', '.join(sorted(current)) or 'nothing'}, code expects {', '.join(sorted(heads))}"
    return None


def readyz() -> tuple[Response, int]:
    checks: dict[str, Check] = current_app.extensions["inspect_ready_checks"]
    failures = {name: reason for name, check in checks.items() if (reason := check()) is not None}
    body = {"status": "unavailable" if failures else "ready",
            "checks": {name: failures.get(name, "ok") for name in checks}}
    return jsonify(body), 503 if failures else 200


def add_ready_check(app: Flask, name: str, check: Check) -> None:
    """Make ``/readyz`` also depend on ``check`` (for example the task queue or the object store)."""
    app.extensions.setdefault("inspect_ready_checks", {})[name] = check


def init_app(app: Flask) -> None:
    add_ready_check(app, "database", database_check)
    add_ready_check(app, "migrations", migrations_check)
    add_ready_check(app, "storage", storage.check)
    app.add_url_rule("/healthz", "healthz", csrf.exempt(healthz))
    app.add_url_rule("/readyz", "readyz", csrf.exempt(readyz))
