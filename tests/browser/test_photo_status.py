"""A photo still processing, and one refused once decoded, as the inspector sees them on the visit page at 1024×768."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser
PHOTOS = Path(__file__).parent.parent / "data" / "photos"


def test_processing_and_refused_photos_say_so_beside_the_item(world, app, live_server: str, tablet: t.Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from inspect_app.extensions import db
    from inspect_app.media import processing
    from inspect_app.visits import photos

    item = next(i for i in world.visit.checklist_version.items if i.name == "S1_1")
    photos.add_visit_photo(world.visit, item, (PHOTOS / "pillow-edge" / "truncated_jpeg.jpg").read_bytes(),
                           filename="truncated_jpeg.jpg", actor=world.inspector)
    photos.add_visit_photo(world.visit, item, (PHOTOS / "exif-orientation" / "Landscape_3.jpg").read_bytes(),
                           filename="公示栏.jpg", actor=world.inspector)
    db.session.commit()  # both processed: one refused, one ready
    monkeypatch.setattr(processing, "queue", lambda attachment: None)  # no worker for the third
    photos.add_visit_photo(world.visit, item, (PHOTOS / "pillow-edge" / "hopper.jpg").read_bytes(),
                           filename="hopper.jpg", actor=world.inspector)
    db.session.commit()

    page = tablet
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{world.visit.id}")
    page.locator('[data-sync][data-pending="0"]').wait_for()
    thumbs = page.locator(f"#item-{item.id} [data-thumbs]")
    thumbs.scroll_into_view_if_needed()
    assert thumbs.locator("figure").count() == 3
    assert thumbs.locator("[data-processing]").inner_text() == "处理中…"
    refused = thumbs.locator("[data-refused]")
    assert refused.is_visible() and "truncated_jpeg.jpg" in refused.inner_text() and "损坏" in refused.inner_text()
    fits_tablet(page)
    shot(page, "photo-processing-and-refused")
    # The worker gets to the third photo: the page shows it without being opened again.
    assert processing.process_waiting() == 1
    thumbs.locator("[data-processing]").wait_for(state="detached", timeout=15000)
    assert thumbs.locator("figure").count() == 3 and thumbs.locator("[data-refused]").count() == 1
