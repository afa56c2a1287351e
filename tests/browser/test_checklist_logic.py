"""The checklist's logic on a 1024×768 touch tablet: questions appear and hide, constraints speak,
entries are added to lists, and the preview of a draft behaves the same without saving anything."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.campaigns import services as campaign_services
from inspect_app.checklists import services as checklist_services
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.visits import services as visit_services
from inspect_app.visits.models import Answer
from inspect_app.visits.models import VisitStatus

from ..fixtures import DATA
from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

if t.TYPE_CHECKING:
    from tests.fixtures import World

pytestmark = pytest.mark.browser


@pytest.fixture
def logic_visit(world: World) -> tuple[int, dict[str, int]]:
    path = DATA / "logic_checklist.md"
    version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None, publish=True)
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="L1", name="逻辑检查", term="2026年秋季学期", checklist_version=version,
        default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
        actor=world.supervisor)
    (visit,) = campaign_services.add_schools(campaign, [world.school], actor=world.supervisor)
    campaign_services.assign_inspector([visit], world.inspector, actor=world.supervisor)
    campaign_services.start_campaign(campaign, actor=world.supervisor)
    db.session.commit()
    return visit.id, {i.name: i.id for i in version.items}


def test_questions_follow_the_answers_while_filling(world: World, app: Flask, live_server: str, tablet: t.Any,
                                                   logic_visit: tuple[int, dict[str, int]]) -> None:
    visit_id, items = logic_visit
    page = tablet
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{visit_id}")
    page.wait_for_selector("#visit-form[data-ready]")
    fits_tablet(page)

    def question(name: str) -> t.Any:
        return page.locator(f"[data-name={name}]:not([data-entry])")

    # The note and the photo of Q1 are asked only once Q1 fails.
    assert question("Q1_note").is_hidden() and question("Q1_photo").is_hidden()
    question("Q1").locator("label.choice", has_text="否").tap()
    question("Q1_note").wait_for(state="visible")
    question("Q1_note").locator("textarea").fill("未成立资助工作领导小组。")
    question("Q1_note").locator(".savestate.ok").wait_for()
    assert question("Q1_photo").is_visible()

    # A section shown for large schools only, and a constraint with the form's own message.
    assert page.locator("#sec-G3").is_hidden()
    question("enrolled").locator("input").fill("50")
    question("aided").locator("input").fill("60")
    message = question("aided").locator(".qerror")
    message.wait_for(state="visible")
    assert message.inner_text() == "不能多于在校学生"
    shot(page, "logic-constraint")
    question("enrolled").locator("input").fill("500")
    page.locator("#sec-G3").wait_for(state="visible")
    assert message.is_hidden()

    # A follow-up question appears when its choice is ticked.
    assert question("other_prog").is_hidden()
    question("programmes").locator("label.choice", has_text="其他").tap()
    question("other_prog").wait_for(state="visible")

    # A list of problems: add an entry; its count is asked for money problems only.
    defects = page.locator(".repeat[data-name=defects]")
    defects.locator("button[data-add-entry]").tap()
    entry = defects.locator(".entry").first
    entry.wait_for()
    entry.locator("[data-name=d_area] label.choice", has_text="资金").tap()
    entry.locator("[data-name=d_count]").wait_for(state="visible")
    entry.locator("[data-name=d_area] .savestate.ok").wait_for()
    entry.locator("[data-name=d_note] textarea").fill("助学金抵扣学费。")
    entry.locator("[data-name=d_note] .savestate.ok").wait_for()
    defects.scroll_into_view_if_needed()
    shot(page, "logic-entry")

    # Submitting is stopped in the page with the list of what is missing.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[data-submit-visit] button").tap()
    problems = page.locator("[data-problems]")
    problems.wait_for(state="visible")
    text = problems.inner_text()
    assert "检查日期" in text and "此项必填" in text
    shot(page, "logic-submit-blocked")

    page.reload()
    entry = page.locator(".repeat[data-name=defects] .entry").first
    assert entry.locator("[data-name=d_area] input[value=money]").is_checked()
    assert entry.locator("[data-name=d_note] textarea").input_value() == "助学金抵扣学费。"
    assert page.locator("[data-name=Q1_note] textarea").input_value() == "未成立资助工作领导小组。"
    with app.app_context():
        from inspect_app.visits.models import Visit

        visit = db.session.get(Visit, visit_id)
        assert visit is not None and visit.status == VisitStatus.IN_PROGRESS
        saved = {(a.item_id, a.instance_id is not None): a.value for a in visit_services.visit_answers(visit).values()}
        assert saved[(items["d_area"], True)] == "money"
        assert saved[(items["aided"], False)] == "60"


def test_a_draft_is_previewed_as_the_tablet_shows_it_and_nothing_is_saved(world: World, app: Flask,
                                                                          live_server: str, tablet: t.Any) -> None:
    path = DATA / "logic_checklist.md"
    with app.app_context():
        version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None)
        db.session.commit()
        version_id = version.id
    page = tablet
    login(page, live_server, "city")
    page.goto(f"{live_server}/checklists/versions/{version_id}/preview")
    page.wait_for_selector("#visit-form[data-sandbox]")
    fits_tablet(page)

    page.locator("[data-name=Q1] label.choice", has_text="否").tap()
    page.locator("[data-name=Q1_note]").wait_for(state="visible")
    page.locator(".repeat[data-name=defects] button[data-add-entry]").tap()
    page.locator(".repeat[data-name=defects] .entry [data-name=d_area]").wait_for()
    page.locator("[data-name=Q1]").scroll_into_view_if_needed()
    shot(page, "logic-preview")

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_the_checklist_pages_fit_a_tablet(world: World, app: Flask, live_server: str, tablet: t.Any) -> None:
    with app.app_context():
        v2, _ = checklist_services.import_checklist(
            (DATA / "mini_checklist.md").read_text(encoding="utf-8")
            .replace("| mini_test | 1       |", "| mini_test | 2       |")
            .replace("成立领导小组", "成立资助工作领导小组").encode(),
            filename="mini_checklist.md", actor=None)
        db.session.commit()
        v2_id = v2.id
    login(tablet, live_server, "city")
    for path in ["/checklists/", f"/checklists/versions/{v2_id}", f"/checklists/versions/{v2_id}/changes",
                 f"/checklists/versions/{v2_id}/preview"]:
        response = tablet.goto(live_server + path)
        assert response.status == 200, path
        fits_tablet(tablet)
        if path.endswith("/changes"):
            shot(tablet, "checklist-changes")


@pytest.fixture
def features_visit(world: World) -> tuple[int, dict[str, int]]:
    path = DATA / "features_checklist.md"
    version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None, publish=True)
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="F1", name="资助抽查", term="2026年秋季学期", checklist_version=version,
        default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
        actor=world.supervisor)
    (visit,) = campaign_services.add_schools(campaign, [world.school], actor=world.supervisor)
    campaign_services.assign_inspector([visit], world.inspector, actor=world.supervisor)
    campaign_services.start_campaign(campaign, actor=world.supervisor)
    db.session.commit()
    return visit.id, {i.name: i.id for i in version.items}


def test_calculations_pipes_cascades_and_counts_follow_the_answers_offline_too(
        world: World, app: Flask, live_server: str, tablet: t.Any,
        features_visit: tuple[int, dict[str, int]]) -> None:
    visit_id, items = features_visit
    page = tablet
    login(page, live_server, "insp")
    page.goto(f"{live_server}/visits/{visit_id}")
    page.wait_for_selector("#visit-form[data-ready]")
    fits_tablet(page)

    def question(name: str) -> t.Any:
        return page.locator(f"[data-name={name}]:not([data-entry])")

    # Calculated and hidden values are not shown; a readonly question shows its default, disabled.
    assert question("ratio").is_hidden() and question("round_no").is_hidden()
    assert question("inspector").locator("textarea").is_disabled()
    assert question("inspector").locator("textarea").input_value() == "市资助中心"

    # Cascading select: the schools of the county chosen, and the county piped into the label.
    school = question("school")
    question("county").locator("label.choice", has_text="碑林区").tap()
    assert school.locator("h3").inner_text().startswith("beilin 的学校")
    assert school.locator("label.choice", has_text="碑林一中").is_visible()
    assert school.locator("label.choice", has_text="雁塔一中").is_hidden()
    school.locator("label.choice", has_text="碑林一中").tap()
    school.locator(".savestate.ok").wait_for()
    # Changing the county leaves the school outside the filter: said at once.
    question("county").locator("label.choice", has_text="雁塔区").tap()
    school.locator(".qerror").wait_for(state="visible")
    assert school.locator("label.choice", has_text="雁塔二中").is_visible()
    school.locator("label.choice", has_text="雁塔二中").tap()
    assert school.locator(".qerror").is_hidden()

    # Offline from here: the logic runs in the page and the answers wait in the tablet's store.
    page.context.set_offline(True)
    question("enrolled").locator("input").fill("200")
    question("aided").locator("input").fill("50")
    hint = question("aided").locator(".hint")
    page.wait_for_function("el => el.textContent.includes('25%')", arg=hint.element_handle())
    assert hint.inner_text() == "占在校生 25%"
    # The nested group appears with its parent's condition; or_other asks what "other" is.
    funds = page.locator("#sec-funds")
    funds.wait_for(state="visible")
    assert question("paid_card_other").is_hidden()
    question("paid_card").locator("label.choice", has_text="其他").tap()
    question("paid_card_other").wait_for(state="visible")
    assert question("paid_card_other").locator("h3").inner_text().startswith("请注明其他")
    question("paid_card_other").locator("textarea").fill("现金发放")
    # repeat_count: as many entries as pupils sampled.
    question("sampled").locator("input").fill("1")
    count = page.locator(".repeat[data-name=samples] [data-count-msg]")
    count.wait_for(state="visible")
    assert "1" in count.inner_text()
    page.locator(".repeat[data-name=samples] [data-add-entry]").tap()
    entry = page.locator(".repeat[data-name=samples] .entry").first
    entry.locator("[data-name=pupil] textarea").fill("王小明")
    entry.locator("[data-name=got_aid] h3").filter(has_text="王小明 已领取资助").wait_for()
    count.wait_for(state="hidden")
    summary = question("summary")
    summary.scroll_into_view_if_needed()
    assert summary.locator("h3").inner_text().startswith("yt2：受助 50 人，25%")
    shot(page, "features-offline")
    school.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    assert school.locator("label.choice", has_text="雁塔一中").is_visible()
    assert school.locator("label.choice", has_text="碑林一中").is_hidden()
    shot(page, "features-cascade")
    page.context.set_offline(False)
