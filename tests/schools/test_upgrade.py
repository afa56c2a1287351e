"""Upgrading an install of the release before regions: its one city becomes the first city of a province.

The database is the previous release's demo (tests/data/upgrade/README.md). After ``db upgrade`` every
county is the configured city's, every account but the administrator's works in that city, every
campaign and roster check belongs to it, and each account reaches exactly the schools it reached before.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from inspect_app import create_app
from inspect_app.audit import services as audit
from inspect_app.auth.models import Role
from inspect_app.auth.models import User
from inspect_app.campaigns.models import Campaign
from inspect_app.extensions import db
from inspect_app.rosters.models import ReconciliationRun
from inspect_app.schools import regions
from inspect_app.schools.models import City
from inspect_app.schools.models import County
from inspect_app.schools.models import Province
from inspect_app.schools.models import School

PREVIOUS = Path(__file__).parent.parent / "data" / "upgrade" / "demo-b8e4f2a61c07.sqlite3.gz"


def _reach(url: str) -> dict[str, frozenset[int] | None]:
    """What each account's county scope was before: all counties for accounts without one."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT username, role, county_id FROM users")).all()
    engine.dispose()
    return {name: (None if role == "admin" or county is None else frozenset({county})) for name, role, county in rows}


def test_the_previous_release_upgrades_to_one_city_of_a_province(tmp_path: Path) -> None:
    path = tmp_path / "previous.sqlite3"
    with gzip.open(PREVIOUS) as packed, path.open("wb") as plain:
        shutil.copyfileobj(packed, plain)
    url = f"sqlite:///{path}"
    before = _reach(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "TESTING": True,
                      "CITY_NAME": "渭南市", "ORG_NAME": "渭南市学生资助管理中心"})
    with app.app_context():
        counts = {model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                  for model in (School, County, Campaign, User)}
        upgrade()
        assert [(p.name, p.org_name) for p in db.session.scalars(sa.select(Province))] == [
            ("陕西省", "陕西省学生资助管理中心")]
        city = regions.home_city()
        assert (city.name, city.org_name) == ("渭南市", "渭南市学生资助管理中心")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(City)) == 1
        for model, n in counts.items():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == n, model
        assert set(db.session.scalars(sa.select(County.city_id))) == {city.id}
        assert set(db.session.scalars(sa.select(Campaign.city_id))) == {city.id}
        assert set(db.session.scalars(sa.select(ReconciliationRun.city_id))) <= {city.id}
        all_counties = frozenset(db.session.scalars(sa.select(County.id)))
        for user in db.session.scalars(sa.select(User)):
            if user.role == Role.ADMIN:
                assert user.city_id is None and user.scope_county_ids is None
                continue
            assert user.city_id == city.id, user.username
            reach = before[user.username]
            assert user.scope_county_ids == (all_counties if reach is None else reach), user.username
        assert audit.verify().ok
        db.engine.dispose()
