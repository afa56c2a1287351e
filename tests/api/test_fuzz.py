"""No input gets a 500, and every answer is one the OpenAPI document describes.

Schemathesis generates requests for every operation of /api/v1 from the document itself, valid
ones and invalid ones (wrong types, missing fields, out-of-range numbers, odd strings), sent with a
personal API token to a world like the demo's: a campaign under way with a visit assigned to the
inspector and its checklist. Half the requests name that visit and checklist, so that they get past
the 404 into the services. Every answer must be below 500, have a status the document lists for the
operation, the documented media type and headers, and a body that matches the documented schema.

The run is bounded: a few examples per operation and mode, no deadline per example (the machine is
shared), derandomized so that a failure can be reproduced.
"""

from __future__ import annotations

import typing as t

import pytest
import schemathesis
from flask import Flask
from flask.globals import _cv_app
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_headers_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from inspect_app.auth import services as auth_services
from inspect_app.extensions import db
from tests.fixtures import World

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 12


def _seeded(operation: t.Any, mode: schemathesis.GenerationMode, headers: dict[str, str],
            known: dict[str, t.Any]) -> st.SearchStrategy[t.Any]:
    """Cases for ``operation``: generated throughout, or with the world's own visit/checklist in the path."""
    generated = operation.as_strategy(mode, headers=headers)
    path = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}
    query = {"visit": known["uuid"]} if any(p.name == "visit" for p in operation.query) else {}
    if not path and not query:
        return generated
    if query:  # PUT /media/{uuid}: a new key, for the world's visit
        return st.one_of(generated, operation.as_strategy(mode, headers=headers, query=query))
    return st.one_of(generated, operation.as_strategy(mode, headers=headers, path_parameters=path))


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_no_input_gets_a_server_error_or_an_undocumented_answer(app: Flask, world: World,
                                                                mode: schemathesis.GenerationMode) -> None:
    _, token = auth_services.issue_token(world.inspector, name="fuzz", actor=world.admin)
    known = {"uuid": world.visit.uuid, "id": world.visit.checklist_version_id}
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    # The requests run in their own application contexts, as a server's would, not in the test's.
    outer = _cv_app.set(None)  # type: ignore[arg-type]
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        skipped: list[str] = []
        answered: set[tuple[str, int]] = set()
        for operation in operations:

            @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=_seeded(operation, mode, headers, known))
            def check(case: t.Any) -> None:
                response = case.call(headers=headers)
                answered.add((case.operation.label, response.status_code))
                case.validate_response(response, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                # Nothing in the operation can be made invalid (no parameters, no body): nothing to send.
                assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label
                skipped.append(operation.label)
        assert len(skipped) <= 3, skipped
        # The token worked and the seeded requests reached the services, not only the 404 before them.
        if mode == schemathesis.GenerationMode.POSITIVE:
            assert {("GET /visits/{uuid}", 200), ("POST /visits/{uuid}/ops", 200)} <= answered, sorted(answered)
    finally:
        _cv_app.reset(outer)
