"""Liveness, readiness, request ids and structured logs; production settings refused."""

from __future__ import annotations

import json
import logging
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app import create_app
from inspect_app.auth.models import Role
from inspect_app.config import ConfigurationError
from inspect_app.core.logs import LOGGER
from inspect_app.core.logs import JsonFormatter
from inspect_app.extensions import db


def test_healthz_answers_without_a_sign_in(client: t.Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_checks_database_schema_and_storage(client: t.Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready",
                                   "checks": {"database": "ok", "migrations": "ok", "queue": "ok", "storage": "ok"}}


def test_readyz_is_unavailable_when_the_schema_is_behind(app: Flask, client: t.Any) -> None:
    with app.app_context():
        head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
        db.session.commit()
    try:
        response = client.get("/readyz")
    finally:
        # The table is no model's: a PostgreSQL test database keeps it from test to test.
        with app.app_context():
            db.session.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
            db.session.commit()
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"].startswith("schema at older, code expects ")


def test_readyz_is_unavailable_when_uploads_cannot_be_written(app: Flask, client: t.Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.config["UPLOAD_DIR"] = str(blocker / "uploads")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["storage"].startswith("storage not writable")


def test_every_response_carries_a_request_id(client: t.Any) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and first != second
    # A balancer's id is kept; anything that is not an id is replaced.
    assert client.get("/healthz", headers={"X-Request-ID": "lb-12345678"}).headers["X-Request-ID"] == "lb-12345678"
    forged = client.get("/healthz", headers={"X-Request-ID": "x\" injected"}).headers["X-Request-ID"]
    assert forged != "x\" injected" and len(forged) == 32


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, t.Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_each_request_is_one_json_log_line_with_id_user_and_duration(client: t.Any, auth: t.Any,
                                                                       make_user: t.Any) -> None:
    admin = make_user(Role.ADMIN)
    db.session.commit()
    collect = _Collect()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(collect)
    try:
        auth.login(admin)
        response = client.get("/schools/")
    finally:
        logger.removeHandler(collect)
    line = [entry for entry in collect.lines if entry["path"] == "/schools/"][-1]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["status"] == 200 and line["method"] == "GET"
    assert line["user_id"] == admin.id
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == LOGGER


def _production(tmp_path: Path, **settings: t.Any) -> Flask:
    return create_app({"ENV": "production", "DATABASE_URL": "", **settings})


def test_production_refuses_a_generated_secret_key_and_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("INSPECT_SECRET_KEY", raising=False)
    monkeypatch.delenv("INSPECT_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError) as err:
        _production(tmp_path, SECRET_KEY="")
    assert "INSPECT_SECRET_KEY is not set" in str(err.value)
    assert "INSPECT_DATABASE_URL is not a PostgreSQL database" in str(err.value)
    # No key was generated into the instance folder on the way.
    assert not (tmp_path / "instance" / "secret_key").exists()
    with pytest.raises(ConfigurationError, match="SQLite serves one host only"):
        _production(tmp_path, SECRET_KEY="shared")
    assert _production(tmp_path, SECRET_KEY="shared", ALLOW_SQLITE=True).config["SECRET_KEY"] == "shared"
    app = _production(tmp_path, SECRET_KEY="shared", DATABASE_URL="postgresql://u@db/inspect")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/inspect"


def test_a_log_line_names_the_user_without_asking_the_database(app: Flask, make_user: t.Any) -> None:
    from flask import g

    from inspect_app.core.logs import _request_fields

    admin = make_user(Role.ADMIN)
    db.session.commit()  # every attribute of the user now expired: reading one would query
    statements: list[str] = []

    def count(*args: t.Any) -> None:
        statements.append(str(args[2]))

    with app.test_request_context("/", method="POST"):
        g._login_user = admin
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            fields = _request_fields()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert fields["user_id"] == admin.id
    assert statements == []
