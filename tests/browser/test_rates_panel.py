"""The overview's 两率一度 panel on a 1024×768 tablet: the three rates by county, without sideways scrolling."""

from __future__ import annotations

import typing as t

import pytest

from inspect_app.extensions import db

from ..rosters.test_precision import make_run
from ..surveys.helpers import add_responses
from ..surveys.helpers import open_round
from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser


def test_the_rates_panel_fits_a_tablet(world: t.Any, live_server: str, tablet: t.Any) -> None:
    world.campaign.term = "2023春"
    survey = open_round(world.campaign, world.supervisor, min_size=5)
    add_responses(survey, world.school, 3)
    make_run(world)
    db.session.commit()
    page = tablet
    login(page, live_server, world.supervisor.username)
    page.goto(f"{live_server}/overview")
    panel = page.locator("#rates")
    panel.scroll_into_view_if_needed()
    text = panel.inner_text()
    assert "两率一度" in text and "政策知晓率" in text and "66.7%" in text and "71.4%" in text and "样本不足" in text
    fits_tablet(page)
    shot(page, "overview-rates")
