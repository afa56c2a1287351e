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
    assert field["x"] < button["x"] and abs((field["y"] + field["height"] / 2) - (button["y"] + button["height"] / 2)) < 8
    shot(page, "campaign-report-buttons")
