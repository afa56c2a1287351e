"""The telephone interviews on a 1024×768 tablet: the call sheet and a call fit, and every tap target is 44 px."""

from __future__ import annotations

import typing as t

import pytest

from inspect_app.extensions import db
from inspect_app.surveys import interviews

from ..surveys.helpers import open_round
from ..surveys.helpers import roster_check
from .conftest import fits_tablet
from .conftest import login
from .conftest import shot
from .test_touch_targets import MEASURE
from .test_touch_targets import MIN

pytestmark = pytest.mark.browser


def test_the_call_sheet_and_a_call_fit_a_tablet(world: t.Any, make_campaign: t.Callable[..., t.Any],
                                                live_server: str, tablet: t.Any) -> None:
    campaign = make_campaign(world.supervisor, schools=[world.school, world.other_school], code="T1")
    survey = open_round(campaign, world.supervisor)
    run = roster_check(world)
    interviews.draw_sample(survey, run_id=run.id, size=12, minimum=1, seed=1, actor=world.supervisor)
    call = db.session.scalars(interviews.calls_query(survey)).first()
    assert call is not None
    db.session.commit()
    page = tablet
    login(page, live_server, world.supervisor.username)
    small = {}
    for path, name in ((f"/surveys/{survey.id}/interviews", "interviews"),
                       (f"/surveys/{survey.id}/interviews/{call.id}", "interview-call")):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        fits_tablet(page)
        small[path] = page.evaluate(MEASURE, MIN)
        shot(page, name)
    assert small == {path: [] for path in small}
    page.click("label.choice:has-text('完成访问')")
    for name in ("k_programmes", "k_free", "k_loan", "s_overall", "s_fair", "s_publicity", "level"):
        page.locator(f"#q-{name} label.choice").first.click()
    page.click("button.primary")
    page.wait_for_load_state("networkidle")
    assert "已登记第" in page.inner_text("body")
