"""Rectification tracking on a 1024×768 tablet: the overview's charts, bulk actions, an extension request."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa

from inspect_app.extensions import db
from inspect_app.rectification import services as rect_services
from inspect_app.rectification.models import ExtensionRequest
from inspect_app.rectification.models import Rectification

from ..rectification.test_services import _ready
from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def rects(world, make_rects):
    made = make_rects(world.school, world.supervisor, items=("S1_1", "S1_2", "S2_1"), due_in=5)
    made += make_rects(world.other_school, world.supervisor, due_in=20)
    _ready(made[0], world)
    rect_services.submit(made[0], actor=world.school_contact)
    rect_services.close(made[0], note="整改到位。", actor=world.supervisor)
    db.session.commit()
    return made


def test_the_overview_charts_fit_and_lead_to_their_rows(world, rects, live_server: str, tablet: t.Any) -> None:
    page = tablet
    login(page, live_server, world.supervisor.username)
    page.goto(f"{live_server}/overview")
    fits_tablet(page)
    assert page.locator("svg.strip-svg").is_visible()
    assert page.locator("#by-county svg.bar-svg").count() == 2
    shot(page, "overview-supervisor")
    page.locator("#by-county tr", has_text="华州区").locator("rect.seg-closed").tap()
    page.wait_for_url("**/rectification/?**")
    assert "status=closed" in page.url and f"county={world.away.id}" in page.url
    assert page.locator("table.list tbody tr").count() == 1
    assert rects[0].finding.reference in page.inner_text("table.list")


def test_bulk_actions_show_only_what_the_action_needs(world, rects, live_server: str, tablet: t.Any) -> None:
    page = tablet
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, world.county_supervisor.username)
    page.goto(f"{live_server}/rectification/?open=1")
    fits_tablet(page)
    bar = page.locator("[data-bulkbar]")
    apply = bar.locator("button")
    assert apply.is_disabled()
    bar.locator("select[name=action]").select_option("deadline")
    assert bar.locator("input[name=due_on]").is_visible() and not bar.locator("input[name=unit]").is_visible()
    later = world.campaign.default_due_on + timedelta(days=40)
    bar.locator("input[name=due_on]").fill(later.isoformat())
    for box in page.locator("input[name=rect_id]").all():
        box.tap()
    assert "2" in bar.locator("[data-ticked]").inner_text()
    shot(page, "rectification-bulk")
    apply.tap()
    page.wait_for_selector(".flash-success")
    with db.session.no_autoflush:
        dues = db.session.scalars(sa.select(Rectification.due_on).where(Rectification.id.in_(
            [r.id for r in rects[1:3]])).execution_options(populate_existing=True)).all()
    assert set(dues) == {later}


def test_a_missing_deadline_is_said_before_anything_is_confirmed(world, rects, live_server: str,
                                                                  tablet: t.Any) -> None:
    page = tablet
    asked: list[str] = []

    def answer(dialog: t.Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    login(page, live_server, world.county_supervisor.username)
    page.goto(f"{live_server}/rectification/?open=1")
    bar = page.locator("[data-bulkbar]")
    bar.locator("select[name=action]").select_option("deadline")
    for box in page.locator("input[name=rect_id]").all():
        box.tap()
    bar.locator("button").tap()
    error = bar.locator("[data-due-error]")
    error.wait_for(state="visible")
    assert error.inner_text() == "请填写新的整改时限。"
    assert asked == [], "no confirmation before the date is given"
    assert page.locator(".flash-success").count() == 0
    shot(page, "rectification-bulk-no-date")
    bar.locator("input[name=due_on]").fill((world.campaign.default_due_on + timedelta(days=30)).isoformat())
    assert error.is_hidden()
    bar.locator("button").tap()
    page.wait_for_selector(".flash-success")
    assert len(asked) == 1


def test_a_school_asks_for_more_time_and_sees_it_pending(world, rects, live_server: str, tablet: t.Any) -> None:
    page = tablet
    rect = rects[1]
    login(page, live_server, world.school_contact.username)
    assert page.locator(".bellcount").inner_text() == "4"
    page.goto(f"{live_server}/rectification/{rect.id}")
    fits_tablet(page)
    details = page.locator("details.formdetails")
    assert details.get_attribute("open") is not None, "open by itself when the deadline is near"
    page.fill("input[name=proposed_due_on]", (rect.due_on + timedelta(days=14)).isoformat())
    page.fill("textarea[name=reason]", "需重新组织认定并公示，申请延期两周。")
    page.locator("details.formdetails button.primary").tap()
    page.wait_for_selector(".flash-success")
    assert "待审批" in page.inner_text("#extensions")
    shot(page, "rectification-extension-school")
    assert db.session.scalars(sa.select(ExtensionRequest.status)).one() == "pending"
    page.goto(f"{live_server}/notifications/")
    fits_tablet(page)
    page.locator("li.unread button").first.tap()
    page.wait_for_url("**/rectification/*")
    shot(page, "notifications-school")
