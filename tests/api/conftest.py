"""An API client logged in as an inspector (session, CSRF off as in the other tests)."""

from __future__ import annotations

import typing as t

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
