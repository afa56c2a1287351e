"""What a person taps and reads at 1024×768, page by page: labels beside their fields, counts that agree."""

from __future__ import annotations

import typing as t

import pytest

from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser


def test_the_monthly_report_month_is_labelled_and_grouped_with_its_button(world, live_server: str,
                                                                          tablet: t.Any) -> None:
    page = tablet
    login(page, live_server, "city")
    page.goto(f"{live_server}/campaigns/{world.campaign.id}")
    fits_tablet(page)
    month = page.get_by_label("月报月份")
    assert month.get_attribute("type") == "month" and month.is_visible()
    group = page.locator("form[data-monthly-report]")
    assert group.locator("input[type=month]").count() == 1
    assert "月报" in group.locator("button").inner_text()
    # The month sits just before its own button, inside one frame, and away from the other report's button.
    frame, field, button = (x.bounding_box() for x in (group, month, group.locator("button")))
    assert frame and field and button
    middle = lambda box: box["y"] + box["height"] / 2  # noqa: E731
    assert field["x"] < button["x"] and abs(middle(field) - middle(button)) < 8
    shot(page, "campaign-report-buttons")


def test_submitting_asks_once_and_says_it_worked(world, app, live_server: str, tablet: t.Any) -> None:
    from inspect_app.extensions import db
    from inspect_app.visits.models import VisitStatus

    from ..fixtures import answer_all

    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组。"})
    db.session.commit()
    page = tablet
    asked: list[str] = []

    def answer(dialog: t.Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{world.visit.id}")
    page.locator('[data-sync][data-pending="0"]').wait_for()
    page.locator("form[data-submit-visit] button").tap()
    page.wait_for_url("**/visits/mine**")
    assert len(asked) == 1, asked
    success = page.locator(".flash-success")
    assert "已提交" in success.inner_text() and "1" in success.inner_text()
    shot(page, "visit-submitted")
    db.session.expire_all()
    assert world.visit.status == VisitStatus.SUBMITTED


def test_the_counts_agree_the_score_waits_for_answers_and_the_checkin_keeps_its_accuracy(
        world, live_server: str, browser_profile: t.Callable[..., t.Any]) -> None:
    import re

    items = {i.name: i.id for i in world.visit.checklist_version.items}
    context = browser_profile()
    page = context.new_page()
    login(page, live_server, "insp")
    card = page.locator(f"[data-visit-card='{world.visit.uuid}']")
    done, total = map(int, re.search(r"已填写(\d+)/(\d+)项", card.inner_text()).groups())
    assert done == 0
    page.goto(f"{live_server}/visits/{world.visit.id}")
    page.locator('[data-sync][data-pending="0"]').wait_for()
    score = page.locator("#score")
    assert score.locator(".scorefigure strong").inner_text() == "—", "no score before any answer"
    assert f"{total}项尚未填写" in score.inner_text()

    # One answer: the card and the page count it alike.
    page.locator(f"#item-{items['S1_2']}").locator("label.choice", has_text="是").tap()
    page.locator('[data-sync][data-pending="0"]').wait_for()
    page.locator(".scorefigure strong", has_text=re.compile(r"\d")).wait_for()
    assert f"{total - 1}项尚未填写" in score.inner_text()

    page.click("[data-checkin]")
    page.locator("[data-checkin-state].bad, [data-checkin-state].ok").wait_for()
    page.locator('[data-sync][data-pending="0"]').wait_for()
    page.reload()
    assert "误差±15米" in page.inner_text(".pagehead")
    shot(page, "visit-head")
    page.goto(f"{live_server}/visits/mine")
    assert f"已填写1/{total}项" in page.locator(f"[data-visit-card='{world.visit.uuid}']").inner_text()
    context.close()


def test_a_file_that_is_no_photo_is_refused_beside_its_item_when_picked_offline(
        world, live_server: str, tablet: t.Any, tmp_path) -> None:
    items = {i.name: i.id for i in world.visit.checklist_version.items}
    fake = tmp_path / "现场.jpg"
    fake.write_text("这不是照片，只是一个改了扩展名的文本文件。", encoding="utf-8")
    page = tablet
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{world.visit.id}")
    page.locator('[data-sync][data-pending="0"]').wait_for()
    page.context.set_offline(True)
    item = page.locator(f"#item-{items['S1_1']}")
    item.locator("input[data-photo]:not([capture])").set_input_files(str(fake))
    errors = item.locator("[data-photo-errors]")
    errors.wait_for(state="visible")
    assert "现场.jpg" in errors.inner_text() and "不是" in errors.inner_text()
    assert "已保存" not in item.inner_text()
    assert item.locator(".thumb").count() == 0
    assert page.get_attribute("[data-sync]", "data-pending") == "0", "nothing is kept to sync"
    item.scroll_into_view_if_needed()
    shot(page, "visit-photo-not-a-photo")
    page.context.set_offline(False)


def test_a_photo_the_server_refuses_is_said_beside_its_item(world, live_server: str, tablet: t.Any,
                                                           tmp_path) -> None:
    import io

    from PIL import Image

    items = {i.name: i.id for i in world.visit.checklist_version.items}
    photo = tmp_path / "走廊.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    page = tablet
    page.route("**/api/v1/media/**", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body='{"error": "照片过大。", "code": "invalid", "details": []}'))
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{world.visit.id}")
    item = page.locator(f"#item-{items['S1_1']}")
    item.locator("input[data-photo]:not([capture])").set_input_files(str(photo))
    errors = item.locator("[data-photo-errors]")
    errors.wait_for(state="visible", timeout=20_000)
    assert "走廊.jpg" in errors.inner_text() and "照片过大。" in errors.inner_text()
    assert "已保存" not in item.locator(".photobuttons").inner_text()
    item.scroll_into_view_if_needed()
    shot(page, "visit-photo-refused-by-server")
    # It stays until the sync notes are cleared.
    page.reload()
    page.locator(f"#item-{items['S1_1']} [data-photo-errors]").wait_for(state="visible")


@pytest.fixture
def shipped_visit(world) -> int:
    from datetime import timedelta
    from pathlib import Path

    from inspect_app.campaigns import services as campaign_services
    from inspect_app.checklists import services as checklist_services
    from inspect_app.db import local_today
    from inspect_app.extensions import db

    path = Path(__file__).resolve().parents[2] / "forms" / "student_aid_cross_check.md"
    version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None, publish=True)
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="X1", name="交叉检查", term="2026年秋季学期", checklist_version=version,
        default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
        actor=world.supervisor)
    (visit,) = campaign_services.add_schools(campaign, [world.school], actor=world.supervisor)
    campaign_services.assign_inspector([visit], world.inspector, actor=world.supervisor)
    campaign_services.start_campaign(campaign, actor=world.supervisor)
    db.session.commit()
    return visit.id


def test_every_section_of_the_shipped_form_is_in_reach_with_its_progress(
        world, live_server: str, tablet: t.Any, shipped_visit: int) -> None:
    page = tablet
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{shipped_visit}")
    page.wait_for_selector("#visit-form[data-ready]")
    fits_tablet(page)
    links = page.locator(".sectionnav a:not([hidden])")
    names = [links.nth(i).locator(".secname").inner_text() for i in range(links.count())]
    for wanted in ("A", "G", "H", "I"):
        assert wanted in names
    # Every section is on the screen, at least 44 px square, without scrolling the bar sideways.
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1024, names[i]
        assert box["width"] >= 44 and box["height"] >= 44, names[i]
    bar = page.locator(".sectionnav").bounding_box()
    assert bar and bar["height"] < 768 / 4, "the bar leaves room for the form"
    a_link = page.locator(".sectionnav a[href='#sec-A']")
    assert a_link.locator("[data-section-progress]").inner_text() == "0/4"
    shot(page, "visit-sections")

    # Answering A1 with 否 counts one answer and one failure, and asks for its note (one more to answer).
    a1 = page.locator("[data-name=A1]:not([data-entry])")
    a1.locator("label.choice", has_text="否").tap()
    a_link.locator("[data-section-failing]").wait_for(state="visible")
    assert a_link.locator("[data-section-failing]").inner_text() == "1项不合格"
    assert a_link.locator("[data-section-progress]").inner_text() == "1/5"

    # "下一部分" at the end of A leads to B.
    page.locator("#sec-A a[data-next-section]").tap()
    page.wait_for_function("location.hash === '#sec-B'")
    heading = page.locator("#sec-B h2").bounding_box()
    bar = page.locator(".sectionnav").bounding_box()
    assert heading and bar and bar["y"] + bar["height"] <= heading["y"] < 768 / 2, "B's heading shows below the bar"
    shot(page, "visit-next-section")


def test_the_evidence_picker_is_a_button_naming_its_files_and_the_extension_labels_line_up(
        world, make_rects, live_server: str, tablet: t.Any, tmp_path) -> None:
    import io

    from PIL import Image

    from inspect_app.extensions import db

    (rect,) = make_rects(world.school, world.supervisor, due_in=5)
    db.session.commit()
    photo = tmp_path / "整改后公示栏.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 140, 60)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    page = tablet
    login(page, live_server, world.school_contact.username)
    page.goto(f"{live_server}/rectification/{rect.id}")
    fits_tablet(page)
    pick = page.locator("[data-filepick]")
    button = pick.locator("label.button")
    assert button.inner_text() == "选择文件"
    box = button.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44
    assert pick.locator("[data-filepick-names]").inner_text() == "未选择文件"
    pick.locator("input[type=file]").set_input_files(str(photo))
    assert pick.locator("[data-filepick-names]").inner_text() == "整改后公示栏.jpg"

    # The extension request's two labels start on one line.
    date_label = page.locator(".formdetails label", has=page.locator("input[name=proposed_due_on]"))
    reason_label = page.locator(".formdetails label", has=page.locator("textarea[name=reason]"))
    first, second = date_label.bounding_box(), reason_label.bounding_box()
    assert first and second and abs(first["y"] - second["y"]) < 2
    pick.scroll_into_view_if_needed()
    shot(page, "rectification-evidence-picker")
    pick.locator("xpath=ancestor::form").locator("button.button").tap()
    page.wait_for_selector(".flash-success")
    assert page.locator("figure figcaption", has_text="整改后公示栏.jpg").count() == 1
