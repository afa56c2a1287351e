"""No input gets a 500: out-of-range ids, JSON nested too deep, lone surrogates, huge integers, a busy
database, an unexpected error — each a JSON answer with a stable code, in the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from inspect_app.core.inputs import JSONOutOfBounds
from inspect_app.core.inputs import check_value
from inspect_app.sync import ops as sync_ops
from tests.api.conftest import Api
from tests.fixtures import World


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
    ('{"username": "a\\u0000", "password": "x"}', "NUL character"),
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


def test_the_sync_api_refuses_an_over_long_answer_or_note_naming_the_field(world: World, api: Api) -> None:
    item = next(i for i in world.visit.checklist_version.items if i.name == "enrolled")
    uuid = world.visit.uuid
    ops = [
        {"op_id": "00000000-0000-4000-8000-000000000001", "type": "answer", "item_id": item.id, "base_rev": 0,
         "value": "1" * (sync_ops.MAX_VALUE + 1), "note": None},
        {"op_id": "00000000-0000-4000-8000-000000000002", "type": "answer", "item_id": item.id, "base_rev": 0,
         "value": "12", "note": "注" * (sync_ops.MAX_NOTE + 1)},
        {"op_id": "00000000-0000-4000-8000-000000000003", "type": "answer", "item_id": 2**40, "base_rev": 0,
         "value": "12"},
        {"op_id": "00000000-0000-4000-8000-000000000004", "type": "answer", "item_id": item.id, "base_rev": 2**40,
         "value": "12"},
        {"op_id": "00000000-0000-4000-8000-000000000005", "type": "checkin", "latitude": 34.5, "longitude": 109.5,
         "accuracy_m": 1e12},
    ]
    response = api.post(f"/api/v1/visits/{uuid}/ops", json={"ops": ops}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["refused"] * 5
    assert "value" in results[0]["message"] and str(sync_ops.MAX_VALUE) in results[0]["message"]
    assert "note" in results[1]["message"]
    assert "item_id" in results[2]["message"]
    assert "base_rev" in results[3]["message"]
    assert "accuracy_m" in results[4]["message"]
