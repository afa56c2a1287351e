"""An API client logged in as an inspector (session, CSRF off as in the other tests), and the check
that every API response the tests in this folder receive is described by the OpenAPI document."""

from __future__ import annotations

import re
import typing as t

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures import PASSWORD
from tests.fixtures import World


class Api:
    """A test client of one user and one device (``X-Client-Id``)."""

    def __init__(self, app: Flask | None, username: str | None, *, client_id: str = "tablet-a",
                 client: FlaskClient | None = None) -> None:
        if client is None:
            assert app is not None and username is not None
            client = app.test_client()
            response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        self.client = client
        self.client_id = client_id

    @classmethod
    def from_client(cls, client: FlaskClient) -> Api:
        return cls(None, None, client=client)

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Accept": "application/json", "X-Client-Id": self.client_id, **(headers or {})}

    def get(self, url: str, **kw: t.Any) -> t.Any:
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, **kw: t.Any) -> t.Any:
        return self.client.put(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, **kw: t.Any) -> t.Any:
        return self.client.post(url, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def api(app: Flask, world: World) -> Api:
    return Api(app, world.inspector.username)


# --- every API response the tests receive is checked against the OpenAPI document ----------------------

def _document() -> dict[str, t.Any]:
    from inspect_app.api.openapi import document

    return document("/api/v1")


def _template(document: dict[str, t.Any], path: str) -> str | None:
    """The document's path template matching a request path ("/visits/{uuid}/ops")."""
    for template in document["paths"]:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template
    return None


def check_response(method: str, path: str, status: int, content_type: str, body: t.Any) -> None:
    """Fail unless the document describes this answer and the body matches its schema."""
    document = _document()
    template = _template(document, path.removeprefix("/api/v1"))
    assert template is not None, f"{path} is not in the OpenAPI document"
    operation = document["paths"][template].get(method.lower())
    assert operation is not None, f"{method} {template} is not in the OpenAPI document"
    response = operation["responses"].get(str(status))
    assert response is not None, f"{method} {template} answered {status}, which the document does not list"
    media = content_type.split(";")[0].strip()
    assert media in response.get("content", {}), f"{method} {template} {status}: {media} is not documented"
    if media != "application/json":
        return
    pointer = "/".join(["#", "paths", template.replace("~", "~0").replace("/", "~1"), method.lower(), "responses",
                        str(status), "content", "application~1json", "schema"])
    validator = jsonschema.Draft202012Validator({**document, "$ref": pointer},
                                                format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{method} {path} {status}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


CHECKED: list[tuple[str, str, int]] = []


@pytest.fixture(autouse=True)
def _openapi_conformance(monkeypatch: pytest.MonkeyPatch) -> None:
    original = FlaskClient.open

    def open_and_check(self: FlaskClient, *args: t.Any, **kwargs: t.Any) -> t.Any:
        response = original(self, *args, **kwargs)
        request = response.request
        if request.path.startswith("/api/v1/"):
            body = response.get_json(silent=True) if response.is_json else None
            check_response(request.method, request.path, response.status_code, response.content_type or "", body)
            CHECKED.append((request.method, request.path, response.status_code))
        return response

    monkeypatch.setattr(FlaskClient, "open", open_and_check)
