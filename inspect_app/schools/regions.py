"""The regions of an install: provinces, their cities (地级市) and the cities' counties (区县).

An install starts with one province and one city, named by the settings PROVINCE_NAME and CITY_NAME
(the city's issuing office is ORG_NAME); an administrator adds the other cities and their counties.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..core.roles import Role
from ..errors import ValidationFailed
from ..extensions import db
from .models import City
from .models import County
from .models import Province

if t.TYPE_CHECKING:
    from ..auth.models import User

CODE = re.compile(r"[0-9]{6}")


def home_city() -> City:
    """The install's first city, made with its province from the settings on first use."""
    city = db.session.scalar(sa.select(City).order_by(City.position, City.id).limit(1))
    if city is not None:
        return city
    config = current_app.config
    province = db.session.scalar(sa.select(Province).order_by(Province.position, Province.id).limit(1))
    if province is None:
        province = Province(name=config["PROVINCE_NAME"], org_name=config["PROVINCE_ORG_NAME"], position=1)
        db.session.add(province)
        db.session.flush()
    city = City(province_id=province.id, name=config["CITY_NAME"], org_name=config["ORG_NAME"], position=1)
    db.session.add(city)
    db.session.flush()
    return city


def owning_city_id(actor: User | None, county: County | None = None) -> int | None:
    """The city a new campaign or roster check belongs to: its county's; else its author's city (a county
    account's is its county's); none (the province's) for province staff; the install's first city for an
    administrator or the system."""
    if county is not None:
        return county.city_id
    if actor is not None and actor.county is not None:
        return actor.county.city_id
    if actor is not None and actor.city_id is not None:
        return actor.city_id
    if actor is not None and actor.role != Role.ADMIN:
        return None
    return home_city().id


def scope_name(city_id: int | None, county: County | None = None) -> str:
    """The name of a region: the county's, else the city's, else the first province's."""
    if county is not None:
        return county.name
    if city_id is not None:
        city = db.session.get(City, city_id)
        if city is not None:
            return city.name
    province = db.session.scalar(sa.select(Province).order_by(Province.position, Province.id).limit(1))
    return province.name if province is not None else current_app.config["PROVINCE_NAME"]


def region_county_ids(city_id: int | None, county_id: int | None) -> frozenset[int] | None:
    """The counties of a region owning something (a campaign, a check): its county, its city's, or None (all)."""
    if county_id is not None:
        return frozenset({county_id})
    if city_id is None:
        return None
    return frozenset(db.session.scalars(County.ids_of_city(city_id)))


def provinces() -> list[Province]:
    """Every province with its cities and their counties, in their order (three queries)."""
    return list(db.session.scalars(
        sa.select(Province).order_by(Province.position, Province.id)
        .options(orm.selectinload(Province.cities).selectinload(City.counties))))


def cities() -> list[City]:
    return list(db.session.scalars(sa.select(City).order_by(City.position, City.id)))


def visible_cities(viewer: User) -> list[City]:
    """The cities whose schools ``viewer`` oversees (every city for administrators and province staff), in order:
    the lists offer a city filter when there are several."""
    stmt = sa.select(City).order_by(City.position, City.id)
    scope = viewer.scope_county_ids
    if scope is not None:
        stmt = stmt.where(City.id.in_(sa.select(County.city_id).where(County.id.in_(sorted(scope)))))
    return list(db.session.scalars(stmt))


def find_city(name_or_id: str) -> City:
    """A city by its name or id (command lines name cities either way)."""
    key = name_or_id.strip()
    condition = City.name == key
    if key.isdigit():
        condition = sa.or_(condition, City.id == int(key))
    city = db.session.scalar(sa.select(City).where(condition))
    if city is None:
        raise ValidationFailed(_("No city named “%(key)s”.", key=key))
    return city


def _checked(name: str, code: str | None, org_name: str) -> tuple[str, str | None, str]:
    name, org_name = name.strip(), org_name.strip()
    code = (code or "").strip() or None
    if not name or len(name) > 32:
        raise ValidationFailed(_("A region's name has 1–32 characters."))
    if code is not None and not CODE.fullmatch(code):
        raise ValidationFailed(_("An administrative division code has exactly 6 digits."))
    if not org_name or len(org_name) > 64:
        raise ValidationFailed(_("The issuing office has 1–64 characters."))
    return name, code, org_name


def create_city(province: Province, name: str, *, org_name: str, code: str | None = None,
                actor: User | None) -> City:
    """Add a city to ``province``; its name is new in the province and its code in the install."""
    name, code, org_name = _checked(name, code, org_name)
    if db.session.scalar(sa.select(City.id).where(City.province_id == province.id, City.name == name)):
        raise ValidationFailed(_("The city “%(name)s” already exists.", name=name))
    if code is not None and db.session.scalar(sa.select(City.id).where(City.code == code)):
        raise ValidationFailed(_("The code %(code)s belongs to another city.", code=code))
    position = (db.session.scalar(sa.select(sa.func.max(City.position))) or 0) + 1
    city = City(province_id=province.id, name=name, code=code, org_name=org_name, position=position)
    db.session.add(city)
    db.session.flush()
    audit.record(actor, "city.create", city, after={"name": name, "code": code, "org_name": org_name,
                                                    "province": province.name})
    return city


def update_city(city: City, *, name: str, org_name: str, code: str | None, actor: User | None) -> None:
    """Rename a city or change its code or issuing office."""
    name, code, org_name = _checked(name, code, org_name)
    clash = db.session.scalar(sa.select(City.id).where(City.province_id == city.province_id, City.name == name,
                                                       City.id != city.id))
    if clash:
        raise ValidationFailed(_("The city “%(name)s” already exists.", name=name))
    if code is not None and db.session.scalar(sa.select(City.id).where(City.code == code, City.id != city.id)):
        raise ValidationFailed(_("The code %(code)s belongs to another city.", code=code))
    before = {"name": city.name, "code": city.code, "org_name": city.org_name}
    city.name, city.code, city.org_name = name, code, org_name
    audit.record(actor, "city.update", city, before=before, after={"name": name, "code": code, "org_name": org_name})


def region_rows() -> list[dict[str, t.Any]]:
    """Every province, city and county with its id and parent (``inspect-app regions list --json``)."""
    rows: list[dict[str, t.Any]] = []
    for province in provinces():
        rows.append({"level": "province", "id": province.id, "name": province.name, "code": province.code,
                     "parent_id": None, "org_name": province.org_name})
        for city in province.cities:
            rows.append({"level": "city", "id": city.id, "name": city.name, "code": city.code,
                         "parent_id": province.id, "org_name": city.org_name})
            rows += [{"level": "county", "id": county.id, "name": county.name, "code": county.code,
                      "parent_id": city.id} for county in city.counties]
    return rows


def county_cities() -> dict[int, int]:
    """The city of every county, by county id."""
    return {county_id: city_id for county_id, city_id in db.session.execute(sa.select(County.id, County.city_id))}


@dataclass(frozen=True)
class Issuer:
    """Who issues a region's documents and to whom they go: a city's centre to its province's, the province's
    centre to the recipient of the settings (REPORT_RECIPIENT)."""

    org_name: str   # 渭南市学生资助管理中心
    region: str     # 渭南市
    recipient: str  # 陕西省学生资助管理中心


def issuer(city_id: int | None) -> Issuer:
    """The issuing office of the city ``city_id``, or of the province for None (a province campaign)."""
    city = db.session.get(City, city_id) if city_id is not None else None
    if city is not None:
        return Issuer(city.org_name, city.name, city.province.org_name)
    province = home_city().province
    return Issuer(province.org_name, province.name, current_app.config["REPORT_RECIPIENT"])


def city_of(user: User | None) -> int | None:
    """The city an account works in (a county account's is its county's); None for the province's."""
    if user is None:
        return home_city().id
    if user.county is not None:
        return user.county.city_id
    return user.city_id
