from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from inspect_app import create_app
from inspect_app.config import normalise_database_url
from inspect_app.extensions import db


def test_defaults_use_an_sqlite_file_in_the_instance_folder_in_wal_mode(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECT_INSTANCE_PATH", str(tmp_path / "instance"))
    for key in ("INSPECT_DATABASE_URL", "INSPECT_SECRET_KEY", "INSPECT_UPLOAD_DIR"):
        monkeypatch.delenv(key, raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'inspect.sqlite3'}"
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "instance" / "uploads")
    # A random key is created once and kept, so sessions survive a restart.
    key = app.config["SECRET_KEY"]
    assert len(key) == 64
    assert create_app().config["SECRET_KEY"] == key
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_instance_file_then_environment_then_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "ORG_NAME = 'from file'\nREPORT_RECIPIENT = 'from file'\nCITY_NAME = 'from file'\n"
    )
    monkeypatch.setenv("INSPECT_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("INSPECT_REPORT_RECIPIENT", "from env")
    monkeypatch.setenv("INSPECT_CITY_NAME", "from env")
    monkeypatch.setenv("INSPECT_DATABASE_URL", "postgresql://u@localhost/x")
    monkeypatch.setenv("INSPECT_UPLOAD_DIR", str(tmp_path / "up"))
    app = create_app({"CITY_NAME": "from override", "SECRET_KEY": "k"})
    assert app.config["ORG_NAME"] == "from file"
    assert app.config["REPORT_RECIPIENT"] == "from env"
    assert app.config["CITY_NAME"] == "from override"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@localhost/x"
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "up")


@pytest.mark.parametrize(("given", "expected"), [
    ("postgresql://a@b/c", "postgresql+psycopg://a@b/c"),
    ("postgres://a@b/c", "postgresql+psycopg://a@b/c"),
    ("postgresql+psycopg://a@b/c", "postgresql+psycopg://a@b/c"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_go_through_psycopg3(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_every_response_carries_security_headers(client) -> None:
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
