"""The 区域 page: an administrator adds a city, renames it, adds a county to it; a refusal stays beside its form."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from inspect_app.extensions import db
from inspect_app.schools import regions
from inspect_app.schools.models import City
from inspect_app.schools.models import County

from ..fixtures import Auth
from ..fixtures import World


def test_an_administrator_edits_the_regions(world: World, auth: Auth, client: FlaskClient) -> None:
    auth.login(world.admin)
    added = client.post("/schools/regions/cities", data={
        "city-name": "宝鸡市", "city-org_name": "宝鸡市学生资助管理中心", "city-code": "610300"})
    assert added.status_code == 302
    city = db.session.scalar(sa.select(City).where(City.name == "宝鸡市"))
    assert city is not None and city.province_id == regions.home_city().province_id

    again = client.post("/schools/regions/cities", data={"city-name": "宝鸡市", "city-org_name": "另一个中心"})
    assert again.status_code == 422 and "宝鸡市" in again.text and "已存在" in again.text

    renamed = client.post(f"/schools/regions/cities/{city.id}", data={
        f"city{city.id}-name": "宝鸡市", f"city{city.id}-org_name": "宝鸡市教育局学生资助管理中心",
        f"city{city.id}-code": "610300"})
    assert renamed.status_code == 302
    db.session.refresh(city)
    assert city.org_name == "宝鸡市教育局学生资助管理中心"

    county = client.post("/schools/regions/counties", data={"county-city_id": str(city.id), "county-name": "渭滨区",
                                                           "county-code": "610302"})
    assert county.status_code == 302
    made = db.session.scalar(sa.select(County).where(County.name == "渭滨区"))
    assert made is not None and made.city_id == city.id
    page = client.get("/schools/regions").text
    assert "宝鸡市教育局学生资助管理中心" in page and "渭滨区" in page
