from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade
from flask_migrate import upgrade

from inspect_app import create_app
from inspect_app.extensions import db

from .conftest import PG_URL


def _script(app: Flask) -> ScriptDirectory:
    return ScriptDirectory(app.config["MIGRATIONS_DIR"])


def test_only_one_head_revision(app: Flask) -> None:
    assert len(_script(app).get_heads()) == 1


def test_models_match_the_migrated_schema(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_upgrade_downgrade_upgrade_on_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "schools", "visits", "findings", "rectifications", "audit_entries"} <= tables
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert {"users", "audit_entries"} <= set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_the_test_database_is_the_configured_backend(app: Flask) -> None:
    with app.app_context():
        assert db.engine.dialect.name == ("postgresql" if PG_URL else "sqlite")
