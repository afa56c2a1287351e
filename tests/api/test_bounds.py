"""No input gets a 500: out-of-range ids, JSON nested too deep, lone surrogates, huge integers, a busy
database, an unexpected error — each a JSON answer with a stable code, in the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from inspect_app.core.inputs import JSONOutOfBounds
from inspect_app.core.inputs import check_value
from tests.api.conftest import Api


def test_an_id_beyond_any_column_is_not_found(api: Api) -> None:
    response = api.get("/api/v1/checklists/1208925819614629174706176")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    assert api.get(f"/api/v1/checklists/{2**31}").status_code == 404


@pytest.mark.parametrize(("body", "problem"), [
    ("[" * 100_000 + "]" * 100_000, "nested deeper than 32 levels"),
    (json.dumps({"a": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}), "nested deeper than"),
    ('{"username": "\\ud800", "password": "x"}', "lone surrogate"),
    ('{"username": "a", "password": "x", "n": 1180591620717411303424}', "larger than 64 bits"),
    ('{"username": ', "Failed to decode JSON"),
    (b'{"username": "\xff\xfe"}', "Failed to decode JSON"),
])
def test_json_out_of_bounds_is_a_bad_request_naming_the_problem(api: Api, body: str | bytes, problem: str) -> None:
    response = api.client.post("/api/v1/session", data=body, headers={"Content-Type": "application/json",
                                                                     "Accept": "application/json"})
    assert response.status_code == 400
    payload = response.get_json()
    assert payload["code"] == "invalid" and payload["error"] == "请求内容应为JSON对象。"
    assert problem in " ".join(payload["details"])


def test_bounds_allow_what_clients_send() -> None:
    check_value({"ops": [{"op": "answer", "item_id": 2**31 - 1, "value": "中文 ✓", "rev": 2**62}]})
    with pytest.raises(JSONOutOfBounds):
        check_value({"n": -(2**63) - 1})
