"""The OpenAPI document: valid OpenAPI 3.1, describing every route of /api/v1, and (through the
conftest's check on every response) true to what the API answers."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

from flask import Flask
from openapi_spec_validator import validate
from PIL import Image

from tests.fixtures import World

from .conftest import Api


def test_the_document_is_valid_openapi_and_describes_every_route(app: Flask, client: object) -> None:
    document = client.get("/api/v1/openapi.json").json  # type: ignore[attr-defined]
    validate(document)
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": "/api/v1"}]
    routes = set()
    names = {"key": "uuid", "version_id": "id"}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + names.get(m.group(1), m.group(1)) + "}",
                          rule.rule.removeprefix("/api/v1"))
            routes |= {(path, method.lower()) for method in rule.methods or () if method in ("GET", "POST", "PUT")}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented


def test_reading_visits_checklists_and_files_matches_the_document(world: World, app: Flask, api: Api) -> None:
    listed = api.get("/api/v1/visits")
    assert [v["uuid"] for v in listed.json["visits"]] == [world.visit.uuid]
    state = api.get(f"/api/v1/visits/{world.visit.uuid}")
    assert state.json["status"] == "planned" and state.json["answers"] == []
    version = api.get(f"/api/v1/checklists/{world.visit.checklist_version_id}")
    assert {i["name"] for i in version.json["items"]} >= {"S1_1", "enrolled"}
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "green").save(buffer, "JPEG")
    data = buffer.getvalue()
    key = str(uuid.uuid4())
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "site")
    stored = api.put(f"/api/v1/media/{key}?visit={world.visit.uuid}&item={item}", data=data,
                     headers={"X-Content-SHA256": hashlib.sha256(data).hexdigest()})
    assert stored.status_code == 201
    sizes = {}
    for variant in ("original", "thumb", "stamped"):
        image = api.get(f"/api/v1/media/{key}?variant={variant}")
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        sizes[variant] = Image.open(io.BytesIO(image.data)).size
        image.close()
    # The stamped copy is the photo with a band of text below it.
    assert sizes["original"] == (300, 200) and sizes["stamped"][0] == 300 and sizes["stamped"][1] > 200
    staff = Api(app, world.supervisor.username)
    assert staff.get(f"/api/v1/visits/{world.visit.uuid}").json["media"][0]["uuid"] == key
    assert staff.get("/api/v1/visits").json["pages"] == 1
    assert api.get("/api/v1/me").json["via_token"] is False
    assert api.get(f"/api/v1/media/{uuid.uuid4()}").status_code == 404
