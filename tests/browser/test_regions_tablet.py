"""The province's view on a 1024×768 tablet: the cities side by side, then a city's counties, without sideways
scrolling of the page, every drill-down link a tap target."""

from __future__ import annotations

import typing as t

import pytest

from ..dashboard.province import build_province
from .conftest import fits_tablet
from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser


def test_the_cities_and_a_citys_counties_fit_a_tablet(app: t.Any, world: t.Any, make_user: t.Any,
                                                      make_campaign: t.Any, live_server: str, tablet: t.Any) -> None:
    province = build_province(app, world, make_user, make_campaign)
    page = tablet
    login(page, live_server, province.province_viewer.username)
    page.goto(f"{live_server}/overview/regions?campaign={province.campaign.id}")
    table = page.locator("#areas table")
    assert "渭南市" in table.inner_text() and "宝鸡市" in table.inner_text() and "销号率" in table.inner_text()
    fits_tablet(page)
    shot(page, "province-cities")
    page.click("text=宝鸡市")
    page.wait_for_load_state("networkidle")
    assert "渭滨区" in page.locator("#areas table").inner_text()
    fits_tablet(page)
    shot(page, "province-city-counties")
