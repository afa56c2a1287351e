"""Photos processed off the request: processing until the task ran, refused with a reason, recovered, idempotent."""

from __future__ import annotations

import io
import typing as t
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from inspect_app.db import utcnow
from inspect_app.extensions import db
from inspect_app.media import processing
from inspect_app.media import services as media
from inspect_app.media.models import Attachment
from inspect_app.media.models import FileStatus
from inspect_app.rectification import evidence
from inspect_app.visits import photos
from tests.media.test_images import item_named
from tests.media.test_images import photo
from tests.media.test_images import stored_files
from tests.media.test_images import submit_with_failing_item

if t.TYPE_CHECKING:
    from flask import Flask

    from tests.fixtures import Auth
    from tests.fixtures import World


@pytest.fixture
def no_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Photos are queued nowhere: they stay processing, as when no worker has taken them yet."""
    monkeypatch.setattr(processing, "queue", lambda attachment: None)


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_the_upload_keeps_the_bytes_and_the_task_makes_the_copies(world: World, app: Flask, no_queue: None) -> None:
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("Portrait_6.jpg"),
                                       filename="Portrait_6.jpg", actor=world.inspector)
    db.session.commit()
    assert attachment.status == FileStatus.PROCESSING and attachment.thumb_path is None
    # The size of the stored photo is known from the header already, turned upright.
    assert (attachment.width, attachment.height) == (1067, 1600)
    assert [p.name for p in stored_files(app)] == [attachment.original_path.rsplit("/", 1)[1]]

    assert processing.process(attachment.id) == FileStatus.READY
    db.session.refresh(attachment)

    assert attachment.original_path is None and attachment.thumb_path and attachment.stamped_path
    assert attachment.report_path
    report = Path(app.config["UPLOAD_DIR"]) / attachment.report_path
    assert sorted(stored_files(app)) == sorted([*(media.file_path(attachment, **v)
                                                  for v in ({}, {"thumb": True}, {"stamped": True})), report])
    with Image.open(media.file_path(attachment)) as image:
        assert image.size == (attachment.width, attachment.height)
    # The reports' copy: the stamped copy (taller by its band) at the appendix's size, its size in the row.
    with Image.open(report) as image, Image.open(media.file_path(attachment, stamped=True)) as stamped:
        assert image.format == "JPEG" and max(image.size) == processing.REPORT_LONG_EDGE
        assert image.size == (attachment.report_width, attachment.report_height)
        assert abs(image.width / image.height - stamped.width / stamped.height) < 0.01
    # Done once: a second run (a retried or recovered task) changes nothing.
    before = {p: p.read_bytes() for p in stored_files(app)}
    assert processing.process(attachment.id) == FileStatus.READY
    assert {p: p.read_bytes() for p in stored_files(app)} == before


def test_a_large_jpeg_is_scaled_to_the_long_edge(world: World, app: Flask) -> None:
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), jpeg(4000, 3000),
                                       filename="big.jpg", actor=world.inspector)
    db.session.commit()
    assert attachment.status == FileStatus.READY
    with Image.open(media.file_path(attachment)) as image:
        assert image.size == (attachment.width, attachment.height) == (1600, 1200)


def test_photos_left_processing_are_recovered(world: World, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processing, "queue", lambda attachment: None)
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("hopper.jpg"),
                                       filename="hopper.jpg", actor=world.inspector)
    db.session.commit()
    processing.recover_photos()
    db.session.refresh(attachment)
    assert attachment.status == FileStatus.PROCESSING  # too recent: its task may still be on its way

    attachment.created_at = utcnow() - timedelta(seconds=app.config["PHOTO_STALE_SECONDS"] + 1)
    db.session.commit()
    processing.recover_photos()
    db.session.refresh(attachment)
    assert attachment.status == FileStatus.READY and attachment.thumb_path


def test_a_processing_photo_shows_as_such_on_the_visit_page_and_in_its_file(world: World, auth: Auth,
                                                                            client: t.Any, no_queue: None) -> None:
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("hopper.jpg"),
                                       filename="hopper.jpg", actor=world.inspector)
    db.session.commit()
    auth.login(world.inspector)

    page = client.get(f"/visits/{world.visit.id}").get_data(as_text=True)
    assert "data-processing" in page and "处理中" in page
    for url in (f"/media/{attachment.id}", f"/media/{attachment.id}?thumb=1"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith("/img/processing.svg")


def test_a_refused_photo_shows_its_reason_to_the_inspector(world: World, auth: Auth, client: t.Any) -> None:
    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("truncated_jpeg.jpg"),
                                       filename="truncated_jpeg.jpg", actor=world.inspector)
    db.session.commit()
    assert attachment.status == FileStatus.REFUSED
    auth.login(world.inspector)

    page = client.get(f"/visits/{world.visit.id}").get_data(as_text=True)
    assert "data-refused" in page and "truncated_jpeg.jpg" in page
    response = client.get(f"/media/{attachment.id}?thumb=1")
    assert response.status_code == 302 and response.location.endswith("/img/refused.svg")


def test_evidence_photos_are_processed_too(world: World, app: Flask) -> None:
    from inspect_app.findings import services as finding_services

    rectification = finding_services.confirm_finding(submit_with_failing_item(app, world), actor=world.supervisor)
    db.session.commit()
    picture = evidence.add_evidence(rectification, photo("Landscape_3.jpg"), filename="公示栏.jpg",
                                    actor=world.school_contact)
    assert picture.status == FileStatus.PROCESSING
    db.session.commit()
    assert picture.status == FileStatus.READY and picture.thumb_path and picture.stamped_path is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)
                             .where(Attachment.status != FileStatus.READY)) == 0


def test_a_photo_removed_while_processing_leaves_no_file(world: World, app: Flask, no_queue: None) -> None:
    from inspect_app.visits import attachments

    attachment = photos.add_visit_photo(world.visit, item_named(world, "S1_1"), photo("hopper.jpg"),
                                       filename="hopper.jpg", actor=world.inspector)
    db.session.commit()
    attachment_id = attachment.id
    attachments.remove(attachment, actor=world.inspector)
    db.session.commit()

    assert stored_files(app) == []
    assert processing.process(attachment_id) is None  # its task, coming late, finds nothing to do


def test_reports_take_only_processed_photos(world: World, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from inspect_app.findings import services as finding_services
    from inspect_app.reports.collect.common import finding_photos

    item = item_named(world, "S1_1")
    ready = photos.add_visit_photo(world.visit, item, photo("hopper.jpg"), filename="ready.jpg",
                                   actor=world.inspector)
    db.session.commit()
    monkeypatch.setattr(processing, "queue", lambda attachment: None)
    photos.add_visit_photo(world.visit, item, photo("hopper.jpg"), filename="waiting.jpg", actor=world.inspector)
    db.session.commit()
    finding_services.confirm_finding(submit_with_failing_item(app, world), actor=world.supervisor)
    db.session.commit()

    # The report uses the copies made at upload (stamped, else scaled), never a photo still processing.
    assert [row.stamped_path for row in finding_photos(world.campaign)] == [ready.stamped_path]
