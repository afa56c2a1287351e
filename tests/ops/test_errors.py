"""A busy database, a value the database refuses, an unexpected error: never Werkzeug's HTML 500 page."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask


@pytest.fixture
def faulty(app: Flask) -> Flask:
    def busy() -> t.Any:
        raise sa.exc.OperationalError("UPDATE answers", {}, Exception("database is locked"))

    def pending() -> t.Any:
        raise sa.exc.PendingRollbackError("This Session's transaction has been rolled back")

    def overflow() -> t.Any:
        raise sa.exc.DataError("INSERT", {}, Exception("integer out of range"))

    def broken() -> t.Any:
        raise KeyError("no such thing")

    for name, view in (("busy", busy), ("pending", pending), ("overflow", overflow), ("broken", broken)):
        app.add_url_rule(f"/api/v1/test-{name}", f"test_{name}", view)
        app.add_url_rule(f"/test-{name}", f"test_page_{name}", view)
    return app


@pytest.mark.parametrize("name", ["busy", "pending"])
def test_a_busy_database_answers_503_with_retry_after(faulty: Flask, name: str) -> None:
    client = faulty.test_client()
    response = client.get(f"/api/v1/test-{name}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.get_json()["code"] == "busy"
    page = client.get(f"/test-{name}")
    assert page.status_code == 503 and page.headers["Retry-After"] == "2"
    assert page.mimetype == "text/html"


def test_a_value_the_database_refuses_is_422_and_anything_else_a_json_500(faulty: Flask) -> None:
    client = faulty.test_client()
    response = client.get("/api/v1/test-overflow")
    assert response.status_code == 422 and response.get_json()["code"] == "invalid"
    response = client.get("/api/v1/test-broken")
    assert response.status_code == 500 and response.get_json()["code"] == "server_error"
    assert "KeyError" not in response.get_data(as_text=True)
