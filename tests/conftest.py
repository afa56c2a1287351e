"""Test setup: a fresh, migrated database per test, on SQLite or (with INSPECT_TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import os
import shutil
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient

from inspect_app import create_app
from inspect_app.extensions import db

pytest_plugins = ["tests.fixtures"]

PG_URL = os.environ.get("INSPECT_TEST_DATABASE_URL", "")
DATA = Path(__file__).parent / "data"


def _config(database_url: str, tmp: Path, **extra: t.Any) -> dict[str, t.Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "UPLOAD_DIR": str(tmp / "uploads"),
        "REPORT_OUTPUT_DIR": str(tmp / "reports"),
        "QUEUE_IMMEDIATE": True,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Tests move the clock by days with frozen_time; tests/auth/test_sessions.py sets the idle timeout itself.
        "IDLE_TIMEOUT": 0,
        **extra,
    }


def _migrate(url: str, tmp: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_config(url, tmp))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database: a file to copy (SQLite) or the PostgreSQL URL itself."""
    tmp = tmp_path_factory.mktemp("template")
    if PG_URL:
        _reset_postgres(PG_URL)
        _migrate(PG_URL, tmp)
        return PG_URL
    path = tmp / "template.sqlite3"
    _migrate(f"sqlite:///{path}", tmp)
    return str(path)


def _truncate_postgres(app: Flask) -> None:
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context.

    Without this, a request made while a test holds an app context (the ``ctx``
    fixture) would share that context's ``g`` and database session, so the
    logged-in user of one client could leak into another's request.
    """

    def open(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


def make_app(template: str, tmp: Path, **extra: t.Any) -> Flask:
    if PG_URL:
        app = create_app(_config(template, tmp, **extra))
    else:
        path = tmp / "test.sqlite3"
        shutil.copyfile(template, path)
        app = create_app(_config(f"sqlite:///{path}", tmp, **extra))
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(database_template: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    marker = request.node.get_closest_marker("config")
    extra = marker.kwargs if marker else {}
    app = make_app(database_template, tmp_path, **extra)
    yield app
    if PG_URL:
        _truncate_postgres(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for calling services directly."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> t.Any:
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    """Fail a test that leaves an application or request context pushed (as Flask's own suite does)."""
    yield
    leaked = _cv_app.get(None)
    assert leaked is None, "the test left an application context pushed"
