"""Photos through the sync API: upright or refused with a clear message, the capture time kept,
the position kept only where the checklist asks for it (``photo_location``)."""

from __future__ import annotations

import hashlib
import io
import typing as t
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from inspect_app.campaigns import services as campaign_services
from inspect_app.checklists import services as checklist_services
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.media.models import Attachment
from inspect_app.visits.models import Visit
from tests.fixtures import World
from tests.media.test_images import difference
from tests.media.test_images import photo
from tests.media.test_images import upright_reference

from .conftest import Api

FORM = """\
| survey |
|        | type           | name    | label::Chinese (zh) | photo_location | fail_values |
|        | select_one yn  | toilet  | 厕所是否达标          | yes            |             |
|        | image          | gate    | 校门照片              | yes            |             |
|        | image          | notice  | 公示栏照片            |                |             |
| choices |
|         | list_name | name | label::Chinese (zh) |
|         | yn        | yes  | 是                  |
|         | yn        | no   | 否                  |
| settings |
|          | form_title | form_id    | version |
|          | 位置照片表  | photo_test | 1       |
"""


@pytest.fixture
def located(world: World) -> tuple[Visit, dict[str, int]]:
    """A visit of a checklist whose gate photo and failing-item photos keep their position."""
    version, _ = checklist_services.import_checklist(FORM.encode(), filename="photo_test.md", actor=None, publish=True)
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="P1", name="照片检查", term="2026年秋季学期", checklist_version=version,
        default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
        actor=world.supervisor)
    (visit,) = campaign_services.add_schools(campaign, [world.school], actor=world.supervisor)
    campaign_services.assign_inspector([visit], world.inspector, actor=world.supervisor)
    campaign_services.start_campaign(campaign, actor=world.supervisor)
    db.session.commit()
    return visit, {i.name: i.id for i in version.items}


def put(api: Api, visit: Visit, item: int, data: bytes, **query: t.Any) -> t.Any:
    params = "&".join(f"{k}={v}" for k, v in {"visit": visit.uuid, "item": item, **query}.items())
    return api.put(f"/api/v1/media/{uuid.uuid4()}?{params}", data=data,
                   headers={"X-Content-SHA256": hashlib.sha256(data).hexdigest()})


@pytest.mark.parametrize("name", ["Landscape_3.jpg", "Landscape_6.jpg", "Portrait_5.jpg", "Portrait_8.jpg"])
def test_photos_come_out_upright(world: World, api: Api, app: Flask, name: str) -> None:
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "site")
    response = put(api, world.visit, item, photo(name), filename=name)
    assert response.status_code == 201
    stored = db.session.scalars(sa.select(Attachment)).one()
    from inspect_app.media import services as media

    image = Image.open(media.file_path(stored))
    kind = name.split("_")[0]
    reference = upright_reference(kind)
    assert difference(image.convert("L").resize(reference.size), reference) < 8
    image.close()


@pytest.mark.parametrize(("name", "says"), [("decompression_bomb.gif", "pixels"), ("broken.png", "supported format")])
def test_unreadable_photos_are_refused_with_a_clear_message(world: World, api: Api, app: Flask, name: str,
                                                            says: str) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "site")
    response = put(api, world.visit, item, photo(name), filename=name)
    assert response.status_code == 400
    assert name in response.json["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_a_photo_found_damaged_once_decoded_is_refused_with_a_clear_message(world: World, api: Api,
                                                                            app: Flask) -> None:
    # Its header is good, so the upload is accepted; the decoding after it finds the file cut short.
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "site")
    response = put(api, world.visit, item, photo("truncated_jpeg.jpg"), filename="truncated_jpeg.jpg")
    assert response.status_code == 201 and response.json["status"] == "processing"
    stored = db.session.scalars(sa.select(Attachment)).one()
    assert stored.status.value == "refused"
    assert stored.refused_reason and "truncated_jpeg.jpg" in stored.refused_reason
    state = api.get(f"/api/v1/visits/{world.visit.uuid}").json
    (listed,) = [f for f in state["media"] if f["uuid"] == stored.uuid]
    assert listed["status"] == "refused" and listed["refused_reason"] == stored.refused_reason


def gps_photo() -> bytes:
    """A camera photo with its position in EXIF: 34°30′N, 109°45′30″E."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (34.0, 30.0, 0.0), 3: "E", 4: (109.0, 45.0, 30.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "teal").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_the_position_is_kept_only_where_the_checklist_asks(located: tuple[Visit, dict[str, int]], api: Api) -> None:
    visit, items = located
    with_gps = gps_photo()
    kept = put(api, visit, items["gate"], with_gps)
    dropped = put(api, visit, items["notice"], with_gps, latitude="34.5", longitude="109.7")
    tablet = put(api, visit, items["toilet"], photo("hopper.jpg"), latitude="34.512345", longitude="109.765432",
                 accuracy_m="8", taken_at="2026-11-27T10:05:00%2B08:00")
    assert kept.status_code == dropped.status_code == tablet.status_code == 201
    assert (kept.json["latitude"], kept.json["longitude"]) == ("34.500000", "109.758333")
    assert dropped.json["latitude"] is None and dropped.json["longitude"] is None
    assert (tablet.json["latitude"], tablet.json["longitude"]) == ("34.512345", "109.765432")
    assert tablet.json["taken_at"] == "2026-11-27T02:05:00Z"
    stored = {a.item_id: a for a in db.session.scalars(sa.select(Attachment))}
    assert stored[items["toilet"]].accuracy_m == 8
    # The stored files themselves carry no position, whatever the item.
    from inspect_app.media import services as media

    for attachment in stored.values():
        with Image.open(media.file_path(attachment)) as image:
            assert not image.getexif().get_ifd(0x8825)


def test_a_photo_question_keeps_its_capture_time_from_exif_before_the_tablets(world: World, api: Api) -> None:
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "site")
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:26 15:30:00"
    Image.new("RGB", (64, 48), "navy").save(buffer, "JPEG", exif=exif)
    response = put(api, world.visit, item, buffer.getvalue(), taken_at="2026-11-27T10:05:00%2B08:00")
    assert response.json["taken_at"] == "2026-11-26T07:30:00Z"


def test_a_photo_still_processing_is_answered_202_until_it_is_ready(world: World, api: Api,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from inspect_app.media import processing

    monkeypatch.setattr(processing, "queue", lambda attachment: None)  # no worker has taken it yet
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "site")
    key = str(uuid.uuid4())
    data = photo("hopper.jpg")
    stored = api.put(f"/api/v1/media/{key}?visit={world.visit.uuid}&item={item}", data=data,
                     headers={"X-Content-SHA256": hashlib.sha256(data).hexdigest()})
    assert stored.status_code == 201 and stored.json["status"] == "processing"
    waiting = api.get(f"/api/v1/media/{key}?variant=thumb")
    assert waiting.status_code == 202 and waiting.headers["Retry-After"] and waiting.json["status"] == "processing"

    assert processing.process_waiting() == 1
    ready = api.get(f"/api/v1/media/{key}?variant=thumb")
    assert ready.status_code == 200 and ready.mimetype == "image/jpeg"
    ready.close()
