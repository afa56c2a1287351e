"""Offline field entry in a real browser at an iPad's size: prepare, go offline, fill in answers,
photos and a signature, reload, close the browser and start it again on the same profile, come
back online and find everything on the server exactly once; an ended session mid-sync; two
inspectors on one visit."""

from __future__ import annotations

import io
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from inspect_app.extensions import db
from inspect_app.media.models import Attachment
from inspect_app.media.models import AttachmentKind
from inspect_app.sync.models import OpStatus
from inspect_app.sync.models import SyncOp
from inspect_app.sync.models import SyncRequest
from inspect_app.visits.models import Answer
from inspect_app.visits.models import Visit

from ..fixtures import PASSWORD
from .conftest import shot

if t.TYPE_CHECKING:
    from tests.fixtures import World

pytestmark = pytest.mark.browser

# Where the tablet stands for the check-in: 2.3 km from the school's known position.
SCHOOL = (34.5000, 109.7600)
AWAY = {"latitude": 34.5200, "longitude": 109.7650, "accuracy": 15}


def login(page: t.Any, base: str, username: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state("networkidle")


def photo_file(tmp_path: Path, name: str, size: tuple[int, int], color: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def pending(page: t.Any) -> int:
    return int(page.get_attribute("[data-sync]", "data-pending") or 0)


def wait_pending(page: t.Any, n: int) -> None:
    try:
        page.locator(f'[data-sync][data-pending="{n}"]').wait_for(timeout=20_000)
    except Exception as exc:
        raise AssertionError(f"{pending(page)} changes wait, not {n}: {page.inner_text('[data-sync]')}") from exc


def prepare_offline(page: t.Any, base: str) -> None:
    page.goto(f"{base}/visits/mine")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("Boolean(navigator.serviceWorker.controller)")
    page.click("[data-prepare-offline]")
    page.locator("[data-prepare-state].ok").wait_for(timeout=30_000)


@pytest.fixture
def school_position(world: World) -> None:
    from decimal import Decimal

    world.school.latitude, world.school.longitude = Decimal(str(SCHOOL[0])), Decimal(str(SCHOOL[1]))
    db.session.commit()


def test_a_visit_filled_offline_survives_reload_and_restart_and_syncs_exactly_once(
        world: World, app: Flask, live_server: str, browser_profile: t.Callable[..., t.Any], tmp_path: Path,
        school_position: None) -> None:
    items = {i.name: i.id for i in world.visit.checklist_version.items}
    visit_url = f"{live_server}/visits/{world.visit.id}"
    context = browser_profile()
    page = context.pages[0] if context.pages else context.new_page()
    login(page, live_server, "insp")
    prepare_offline(page, live_server)

    context.set_offline(True)
    response = page.goto(visit_url)
    assert response.from_service_worker
    page.wait_for_selector("#visit-form[data-ready]")
    s1 = page.locator(f"#item-{items['S1_1']}")
    s1.locator("label.choice", has_text="否").tap()
    s1.locator("textarea[data-note]").fill("未成立资助工作领导小组。")
    page.locator(f"#item-{items['S1_2']}").locator("label.choice", has_text="是").tap()
    page.fill(f"input[name=value-{items['enrolled']}]", "420")
    page.locator(f"#item-{items['site']} input[data-photo]:not([capture])").set_input_files(
        str(photo_file(tmp_path, "现场.jpg", (4000, 3000), (30, 90, 160))))
    page.locator(f"#item-{items['site']} .thumb.local img").wait_for()
    page.click("[data-checkin]")
    page.locator("[data-checkin-state].bad").wait_for()
    assert "2.3 km" in page.inner_text("[data-checkin-state]")
    school_box = page.locator("[data-signature=school]")
    school_box.locator("[data-sign]").tap()
    school_box.locator("input[name=signer_name]").fill("王校长")
    canvas = school_box.locator("canvas").bounding_box()
    page.mouse.move(canvas["x"] + 30, canvas["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(canvas["x"] + 30 + step * 25, canvas["y"] + 40 + (step % 3) * 30)
    page.mouse.up()
    school_box.locator("[data-sign-save]").tap()
    school_box.locator("img[data-signature-image]:not([hidden])").wait_for()
    page.wait_for_timeout(800)  # the autosave of the number field
    queued = pending(page)
    assert queued >= 7
    assert "离线" in page.inner_text("[data-sync-state]")
    shot(page, "offline-visit-filled")

    # Reload while offline: the page comes from the service worker, the answers from the tablet.
    page.reload()
    page.wait_for_selector("#visit-form[data-ready]")
    s1 = page.locator(f"#item-{items['S1_1']}")
    assert s1.locator("input[value=no]").is_checked()
    assert s1.locator("textarea[data-note]").input_value() == "未成立资助工作领导小组。"
    assert page.locator(f"input[name=value-{items['enrolled']}]").input_value() == "420"
    assert page.locator(f"#item-{items['site']} .thumb").count() == 1
    wait_pending(page, queued)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0

    # Close the browser and start it again on the same profile, still offline.
    context.close()
    context = browser_profile()
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(visit_url)
    page.wait_for_selector("#visit-form[data-ready]")
    assert page.locator(f"#item-{items['S1_1']} input[value=no]").is_checked()
    wait_pending(page, queued)

    # Back online. The restart ended the browser session, so the page asks for the password first;
    # then everything reaches the server, once.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    dialog = page.locator("#login-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("input[name=password]").fill(PASSWORD)
    dialog.locator("button.primary").click()
    wait_pending(page, 0)
    assert "已同步" in page.inner_text("[data-sync-state]")
    shot(page, "offline-visit-synced")
    page.click("[data-sync-now]")
    page.reload()
    wait_pending(page, 0)
    with app.app_context():
        answers = {a.item_id: a for a in db.session.scalars(sa.select(Answer))}
        assert answers[items["S1_1"]].value == "no" and answers[items["S1_1"]].note == "未成立资助工作领导小组。"
        assert answers[items["enrolled"]].value == "420" and answers[items["S1_2"]].value == "yes"
        assert all(a.rev == 1 for a in answers.values())
        files = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
        assert [f.kind for f in files] == [AttachmentKind.PHOTO, AttachmentKind.SIGNATURE]
        photo = files[0]
        assert (photo.width, photo.height) == (1600, 1200) and photo.stamped_path
        assert files[1].signer_name == "王校长"
        visit = db.session.get(Visit, world.visit.id)
        assert visit is not None and visit.checkin_accuracy_m == 15 and visit.started_at is not None
        # Three answers and the check-in, each applied once; the visit opened once; two files.
        ops = db.session.scalars(sa.select(SyncOp)).all()
        assert sorted(op.type for op in ops) == ["answer", "answer", "answer", "checkin"]
        assert all(op.status == OpStatus.APPLIED for op in ops)
        kinds = [r.kind.value for r in db.session.scalars(sa.select(SyncRequest).where(SyncRequest.status_code < 300))]
        assert sorted(kinds).count("open") == 1 and sorted(kinds).count("media") == 2
    context.close()


def test_an_ended_session_mid_sync_asks_for_the_password_and_resumes(
        world: World, app: Flask, live_server: str, browser_profile: t.Callable[..., t.Any]) -> None:
    items = {i.name: i.id for i in world.visit.checklist_version.items}
    context = browser_profile()
    page = context.pages[0] if context.pages else context.new_page()
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{world.visit.id}")
    page.wait_for_selector("#visit-form[data-ready]")
    context.set_offline(True)
    page.fill(f"input[name=value-{items['enrolled']}]", "321")
    page.locator(f"#item-{items['S2_1']}").locator("label.choice", has_text="良").tap()
    wait_pending(page, 3)
    # Meanwhile the password was changed elsewhere: the session has ended.
    with app.app_context():
        from inspect_app.auth.models import User

        user = db.session.scalars(sa.select(User).where(User.username == "insp")).one()
        user.set_password("a-new-password")
        db.session.commit()
    context.set_offline(False)  # the page syncs when the connection returns
    dialog = page.locator("#login-dialog")
    dialog.wait_for(state="visible")
    shot(page, "offline-login-again")
    assert pending(page) == 3
    dialog.locator("input[name=password]").fill("wrong-password")
    dialog.locator("button.primary").click()
    dialog.locator("[data-login-error]").wait_for(state="visible")
    dialog.locator("input[name=password]").fill("a-new-password")
    dialog.locator("button.primary").click()
    wait_pending(page, 0)
    with app.app_context():
        values = {a.item_id: a.value for a in db.session.scalars(sa.select(Answer))}
        assert values == {items["enrolled"]: "321", items["S2_1"]: "fair"}
    context.close()


def test_two_inspectors_editing_one_answer_offline_are_both_kept_and_flagged(
        world: World, app: Flask, live_server: str, browser_profile: t.Callable[..., t.Any],
        make_user: t.Callable[..., t.Any]) -> None:
    from inspect_app.auth.models import Role
    from inspect_app.campaigns import services as campaign_services

    colleague = make_user(Role.INSPECTOR, username="insp9", county=world.home)
    campaign_services.assign_inspector([world.visit], colleague, actor=world.supervisor)
    db.session.commit()
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "S2_1")
    tablets = []
    for username, choice in (("insp", "优"), ("insp9", "差")):
        context = browser_profile(name=username)
        page = context.new_page()
        login(page, live_server, username)
        page.goto(f"{live_server}/visits/{world.visit.id}")
        page.wait_for_selector("#visit-form[data-ready]")
        context.set_offline(True)
        page.locator(f"#item-{item}").locator("label.choice", has_text=choice).tap()
        wait_pending(page, 2)
        tablets.append((context, page))
    for context, page in tablets:
        context.set_offline(False)
        page.click("[data-sync-now]")
        wait_pending(page, 0)
    last = tablets[1][1]
    last.locator("[data-sync-notes]").wait_for(state="visible")
    with app.app_context():
        answer = db.session.scalars(sa.select(Answer).where(Answer.item_id == item)).one()
        assert (answer.value, answer.rev) == ("poor", 2)
        flagged = db.session.scalars(sa.select(SyncOp).where(SyncOp.status == OpStatus.CONFLICT)).one()
        assert flagged.previous["value"] == "good"
    for context, _page in tablets:
        context.close()
    # The supervisor sees it in the sync history and acknowledges it.
    context = browser_profile(name="city")
    page = context.new_page()
    login(page, live_server, "city")
    page.goto(f"{live_server}/visits/{world.visit.id}/sync")
    assert "并行修改" in page.inner_text("#flagged")
    shot(page, "sync-history")
    page.click("#flagged button")
    page.wait_for_load_state("networkidle")
    with app.app_context():
        flagged = db.session.scalars(sa.select(SyncOp).where(SyncOp.status == OpStatus.CONFLICT)).one()
        assert flagged.acknowledged_at is not None
    context.close()


@pytest.mark.parametrize("name", ["Portrait_6.jpg", "Landscape_8.jpg"])
def test_a_camera_photo_turned_sideways_in_exif_is_stored_upright(
        world: World, app: Flask, live_server: str, browser_profile: t.Callable[..., t.Any], name: str) -> None:
    from tests.media.test_images import ORIENTATION
    from tests.media.test_images import difference
    from tests.media.test_images import upright_reference

    items = {i.name: i.id for i in world.visit.checklist_version.items}
    context = browser_profile()
    page = context.new_page()
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{world.visit.id}")
    page.locator(f"#item-{items['site']} input[data-photo]:not([capture])").set_input_files(str(ORIENTATION / name))
    page.locator(f"#item-{items['site']} .thumb img").wait_for()
    wait_pending(page, 0)
    with app.app_context():
        from inspect_app.media import services as media

        stored = db.session.scalars(sa.select(Attachment)).one()
        kind = name.split("_")[0]
        assert (stored.width > stored.height) == (kind == "Landscape")
        reference = upright_reference(kind)
        with Image.open(media.file_path(stored)) as image:
            assert difference(image.convert("L").resize(reference.size), reference) < 8
    context.close()


def test_a_file_that_is_no_photo_is_refused_with_its_name(
        world: World, app: Flask, live_server: str, browser_profile: t.Callable[..., t.Any]) -> None:
    from tests.media.test_images import EDGE

    items = {i.name: i.id for i in world.visit.checklist_version.items}
    context = browser_profile()
    page = context.new_page()
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{world.visit.id}")
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if "/api/v1/media/" in r.url else None)
    page.locator(f"#item-{items['site']} input[data-photo]:not([capture])").set_input_files(str(EDGE / "broken.png"))
    # Refused in the tablet when picked, beside its item, and never sent.
    refused = page.locator(f"#item-{items['site']} [data-photo-errors]")
    refused.wait_for(state="visible")
    assert "broken.png" in refused.inner_text()
    assert page.locator(f"#item-{items['site']} .thumb").count() == 0
    assert uploads == []
    shot(page, "offline-photo-refused")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    context.close()


def test_a_busy_server_is_tried_again_when_its_retry_after_says(
        world: World, app: Flask, live_server: str, browser_profile: t.Callable[..., t.Any]) -> None:
    import time

    items = {i.name: i.id for i in world.visit.checklist_version.items}
    context = browser_profile()
    answered: list[tuple[int, float]] = []

    def busy_once(route: t.Any) -> None:
        if not answered:
            answered.append((503, time.monotonic()))
            route.fulfill(status=503, headers={"Retry-After": "1", "Content-Type": "application/json"},
                          body='{"error": "busy", "code": "busy", "details": []}')
        else:
            answered.append((200, time.monotonic()))
            route.continue_()

    context.route("**/api/v1/visits/*/ops", busy_once)
    page = context.pages[0] if context.pages else context.new_page()
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{world.visit.id}")
    page.wait_for_selector("#visit-form[data-ready]")
    page.fill(f"input[name=value-{items['enrolled']}]", "123")
    page.locator("body").click()
    wait_pending(page, 1)  # kept on the tablet: the server said it was busy
    for _ in range(100):
        if len(answered) >= 2:
            break
        page.wait_for_timeout(200)
    wait_pending(page, 0)
    # Refused as busy, sent again a second later: well before the 5-second backoff of a lost network.
    (first, refused_at), (second, sent_again_at) = answered[:2]
    assert (first, second) == (503, 200)
    assert 0.9 <= sent_again_at - refused_at < 4
    with app.app_context():
        assert {a.item_id: a.value for a in db.session.scalars(sa.select(Answer))} == {items["enrolled"]: "123"}
    context.close()
