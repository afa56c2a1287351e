"""The inspector's visit page in a real browser at tablet size: tap, type, photograph, reload."""

from __future__ import annotations

import io
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from inspect_app.extensions import db
from inspect_app.media.models import Attachment
from inspect_app.visits.models import Answer

from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser


def test_answers_notes_and_photos_survive_a_reload(world, app: Flask, live_server: str, tablet: t.Any,
                                                   tmp_path) -> None:
    page = tablet
    login(page, live_server, "insp")
    assert "华州第一小学" in page.inner_text("main")
    page.click("text=华州第一小学")
    page.wait_for_selector("#visit-form[data-ready]")
    fits_tablet(page)
    items = {i.name: i.id for i in world.visit.checklist_version.items}

    # Tapping 否 marks the item as failing and opens the note box; both are saved without a button.
    s1 = page.locator(f"#item-{items['S1_1']}")
    s1.locator("label.choice", has_text="否").tap()
    note = s1.locator("textarea")
    note.wait_for(state="visible")
    note.fill("未成立资助工作领导小组，无正式文件。")
    s1.locator(".savestate.ok").wait_for()
    assert "failing" in (s1.get_attribute("class") or "")
    page.locator(f"#item-{items['S1_2']}").locator("label.choice", has_text="是").tap()
    page.locator(f"#item-{items['S1_2']} .savestate.ok").wait_for()
    page.fill(f"input[name=value-{items['enrolled']}]", "420")
    page.locator(f"#item-{items['enrolled']} .savestate.ok").wait_for(timeout=5000)

    photo = tmp_path / "现场.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), (30, 90, 160)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    s1.locator("input[data-photo]:not([capture])").set_input_files(str(photo))
    s1.locator(".thumb img").wait_for()
    # Everything is kept on the tablet first and synced at once while online.
    page.locator('[data-sync][data-pending="0"]').wait_for(timeout=20_000)
    shot(page, "visit-filled")

    page.reload()
    s1 = page.locator(f"#item-{items['S1_1']}")
    assert s1.locator("input[value=no]").is_checked()
    assert s1.locator("textarea").input_value() == "未成立资助工作领导小组，无正式文件。"
    assert page.locator(f"input[name=value-{items['enrolled']}]").input_value() == "420"
    assert s1.locator(".thumb img").count() == 1

    with app.app_context():
        answers = {a.item_id: a for a in db.session.scalars(sa.select(Answer))}
        assert answers[items["S1_1"]].value == "no"
        assert answers[items["enrolled"]].value == "420"
        stored = db.session.scalars(sa.select(Attachment)).one()
        assert max(stored.width, stored.height) == 1600


@pytest.mark.parametrize(("username", "paths"), [
    ("city", ["/overview", "/campaigns/", "/campaigns/{campaign}", "/findings/", "/rectification/", "/schools/",
              "/checklists/", "/audit/", "/visits/{visit}", "/visits/{visit}/sync"]),
    ("insp", ["/visits/mine", "/visits/{visit}"]),
    ("school1", ["/rectification/mine"]),
    ("root", ["/auth/users", "/auth/users/new", "/schools/import"]),
])
def test_every_page_fits_a_1024_pixel_tablet(world, live_server: str, tablet: t.Any, username: str,
                                             paths: list[str]) -> None:
    login(tablet, live_server, username)
    for path in paths:
        url = live_server + path.format(campaign=world.campaign.id, visit=world.visit.id)
        response = tablet.goto(url)
        assert response.status == 200, url
        fits_tablet(tablet)
    shot(tablet, f"tablet-{username}")
