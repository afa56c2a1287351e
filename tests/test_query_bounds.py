"""Every page without path arguments answers an oversized or malformed query string with a 4xx or a page,
never a 500: ids beyond the columns' range filter nothing (``core.inputs.query_id``)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .fixtures import Auth
from .fixtures import World

HUGE = "99999999999999999999"
# ``page`` is tried alone: a page out of range answers 404 before any filter is read.
ARGS = ("county", "city", "campaign", "from", "run_id", "submitted", "due", "school", "semester", "month",
        "status", "level", "severity", "kind", "q")


def _list_pages(app: Flask) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if "GET" in (r.methods or ()) and not r.arguments and r.endpoint != "static")


@pytest.mark.parametrize("value", [HUGE, "-1", "0x10", "１２", "\u0000"])
def test_no_page_fails_on_a_query_value(app: Flask, world: World, auth: Auth, client: FlaskClient,
                                        value: str) -> None:
    queries = ("&".join(f"{name}={value}" for name in ARGS), f"page={value}")
    failures = []
    for role in (world.admin, world.supervisor, world.county_supervisor):
        auth.login(role)
        for path in _list_pages(app):
            for query in queries:
                response = client.get(f"{path}?{query}")
                if response.status_code >= 500:
                    failures.append(f"{role.username} {path}?{query[:40]} {response.status_code}")
                response.close()
        auth.logout()
    assert failures == []
