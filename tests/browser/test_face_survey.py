"""满意度测评 face to face on a 1024×768 tablet: the questionnaire kept with the visit for offline use,
one respondent's answers taken offline, synced once the connection returns, and stored once."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.extensions import db
from inspect_app.surveys.models import SurveyFaceCollection
from inspect_app.surveys.models import SurveyResponse
from tests.surveys.helpers import open_round

from .conftest import fits_tablet
from .conftest import login
from .test_offline import prepare_offline
from .test_offline import wait_pending

if t.TYPE_CHECKING:
    from tests.fixtures import World

pytestmark = pytest.mark.browser

ANSWERS = {"level": "junior", "k_who": "needy", "k_apply": "apply", "k_paid": "card",
           "s_overall": "satisfied", "s_fair": "very_satisfied", "s_publicity": "fairly_satisfied"}


def choose(form: t.Any, name: str, value: str) -> None:
    form.locator(f"label.choice:has(input[name={name}][value={value}])").tap()


def test_a_questionnaire_taken_offline_on_the_tablet_is_synced_and_stored_once(
        world: World, app: Flask, live_server: str, tablet: t.Any) -> None:
    survey = open_round(world.campaign, world.supervisor)
    db.session.commit()
    key = f"{survey.id}-student"
    page = tablet
    login(page, live_server, "insp")
    prepare_offline(page, live_server)

    # Offline: the visit's page, with its questionnaires, comes from what the tablet kept.
    page.context.set_offline(True)
    response = page.goto(f"{live_server}/visits/{world.visit.id}")
    assert response.from_service_worker
    panel = page.locator("[data-face-survey]")
    panel.scroll_into_view_if_needed()
    page.locator(f'[data-face-new="{key}"]').tap()
    form = page.locator(f'[data-face-form="{key}"]')
    form.wait_for(state="visible")
    fits_tablet(page)

    # A question left out is marked and nothing is kept; answered, the respondent is kept on the tablet.
    choose(form, "level", "junior")
    form.locator("button[type=submit]").tap()
    assert form.locator("fieldset.invalid").count() == 6
    wait_pending(page, 0)
    for name, value in ANSWERS.items():
        if name != "level":
            choose(form, name, value)
    form.locator("textarea[name=comment]").fill("希望多开展资助政策宣传。")
    page.screenshot(path="/tmp/face-survey-form-1024.png")
    form.locator("button[type=submit]").tap()
    form.locator("[data-face-state].ok").wait_for()
    # The next respondent gets a blank questionnaire.
    assert form.locator("input:checked").count() == 0 and form.locator("textarea").input_value() == ""
    count = page.locator(f'[data-face-count="{key}"]')
    assert "1" in count.inner_text() and "bad" in (count.get_attribute("class") or "")
    page.locator(f'[data-face-count="{key}"]').scroll_into_view_if_needed()
    page.screenshot(path="/tmp/face-survey-offline-1024.png")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0

    # Back online: the questionnaire goes with the visit's other changes, once.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_pending(page, 0)
    page.locator(f'[data-face-count="{key}"]:not(.bad)').wait_for()
    assert "1" in count.inner_text()
    page.screenshot(path="/tmp/face-survey-synced-1024.png")
    page.click("[data-sync-now]")
    page.reload()
    wait_pending(page, 0)
    with app.app_context():
        db.session.expire_all()
        [stored] = db.session.scalars(sa.select(SurveyResponse)).all()
        assert stored.way.value == "face" and stored.audience.value == "student"
        assert stored.answers == {**ANSWERS, "comment": "希望多开展资助政策宣传。"}
        taken = db.session.scalars(sa.select(SurveyFaceCollection)).one()
        assert taken.visit_id == world.visit.id and taken.collected_by_id == world.inspector.id
