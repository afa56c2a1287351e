"""Photos reach the report as the copy made when they were processed, byte for byte; older ones are scaled."""

from __future__ import annotations

import io
import re
import typing as t
import zipfile

import sqlalchemy as sa
from flask import Flask
from PIL import Image

from inspect_app.core import storage
from inspect_app.extensions import db
from inspect_app.media.models import Attachment
from inspect_app.reports import services
from tests.test_permissions import build_scene

from .gbt_checks import check_document


def _pictures(blob: bytes) -> tuple[list[bytes], list[tuple[int, int]]]:
    package = zipfile.ZipFile(io.BytesIO(blob))
    names = sorted(n for n in package.namelist() if n.startswith("word/media/report-photo-"))
    xml = package.read("word/document.xml").decode()
    extents = [(int(cx), int(cy)) for cx, cy in re.findall(r'<wp:extent cx="(\d+)" cy="(\d+)"/>', xml)]
    return [package.read(n) for n in names], extents


def test_the_report_embeds_the_stored_report_copy_as_it_is(app: Flask, world: t.Any,
                                                            make_user: t.Callable[..., t.Any],
                                                            make_campaign: t.Callable[..., t.Any]) -> None:
    build_scene(app, world, make_user, make_campaign)
    blob = services.build("investigation", world.campaign).data
    check_document(blob)
    [picture], [(cx, cy)] = _pictures(blob)
    copies = db.session.scalars(sa.select(Attachment).where(Attachment.report_path.is_not(None),
                                                            Attachment.visit_id.is_not(None))).all()
    stored = {storage.read("uploads", a.report_path): a for a in copies if a.report_path}
    assert picture in stored
    photo = stored[picture]
    # Laid out at the copy's own proportions, read from the database.
    assert photo.report_width and photo.report_height
    assert abs(cx / cy - photo.report_width / photo.report_height) < 0.02


def test_a_photo_processed_before_report_copies_existed_is_scaled_from_its_stamped_copy(
        app: Flask, world: t.Any, make_user: t.Callable[..., t.Any], make_campaign: t.Callable[..., t.Any]) -> None:
    build_scene(app, world, make_user, make_campaign)
    db.session.execute(sa.update(Attachment).values(report_path=None, report_width=None, report_height=None))
    db.session.commit()
    blob = services.build("investigation", world.campaign).data
    check_document(blob)
    [picture], [(cx, cy)] = _pictures(blob)
    with Image.open(io.BytesIO(picture)) as image:
        assert image.format == "JPEG" and max(image.size) <= 480
        # The stamped copy: taller than the 40×30 photo by its band.
        assert image.height > image.width
        assert abs(cx / cy - image.width / image.height) < 0.02
