"""Counties and schools: queries scoped to the viewer, and edits."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import services as audit
from ..core.permissions import Viewer
from ..core.permissions import in_region
from ..core.permissions import school_filter
from ..errors import ValidationFailed
from ..extensions import db
from . import regions
from .models import City
from .models import County
from .models import School
from .models import SchoolLevel

if t.TYPE_CHECKING:
    from ..auth.models import User


def counties(viewer: Viewer | None = None) -> list[County]:
    """The counties in order; only those of ``viewer``'s region when given (a city's for its staff)."""
    stmt = sa.select(County).order_by(County.position, County.id)
    if viewer is not None:
        stmt = stmt.where(in_region(viewer, County.id))
    return list(db.session.scalars(stmt))


def create_county(name: str, *, code: str | None = None, city: City | None = None, actor: User | None) -> County:
    """Add a county-level unit (区县) to ``city`` (the install's first city when not named)."""
    name = name.strip()
    if not name or len(name) > 32:
        raise ValidationFailed(_("A county name has 1–32 characters."))
    if db.session.scalar(sa.select(County.id).where(County.name == name)) is not None:
        raise ValidationFailed(_("The county “%(name)s” already exists.", name=name))
    if code is not None and not re.fullmatch(r"[0-9]{6}", code):
        raise ValidationFailed(_("A county code has exactly 6 digits."))
    position = (db.session.scalar(sa.select(sa.func.max(County.position))) or 0) + 1
    city = city or regions.home_city()
    county = County(name=name, code=code, position=position, city_id=city.id)
    db.session.add(county)
    db.session.flush()
    audit.record(actor, "county.create", county, after={"name": name, "code": code, "city": city.name})
    return county


SCHOOL_FIELDS = ("code", "name", "county_id", "level", "address", "contact_name", "contact_phone",
                 "latitude", "longitude")


def create_school(
    *,
    code: str,
    name: str,
    county: County,
    level: SchoolLevel,
    address: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    actor: User | None,
) -> School:
    """Add one school; its 10-digit code must be new."""
    if not re.fullmatch(r"[0-9]{10}", code):
        raise ValidationFailed(_("A school code has exactly 10 digits, not “%(v)s”.", v=code))
    if db.session.scalar(sa.select(School.id).where(School.code == code)) is not None:
        raise ValidationFailed(_("A school with code %(code)s already exists.", code=code))
    school = School(code=code, name=name, county_id=county.id, level=level, address=address,
                    contact_name=contact_name, contact_phone=contact_phone, latitude=latitude, longitude=longitude)
    db.session.add(school)
    db.session.flush()
    audit.record(actor, "school.create", school, school_id=school.id, after=audit.snapshot(school, SCHOOL_FIELDS))
    return school


def find_school(code_or_name: str) -> School:
    """A school by its 学校标识码 or its exact name (command lines name schools either way)."""
    key = code_or_name.strip()
    school = db.session.scalar(sa.select(School).where(sa.or_(School.code == key, School.name == key)))
    if school is None:
        raise ValidationFailed(_("No school with code or name “%(key)s”.", key=key))
    return school


def school_query(
    viewer: User,
    *,
    q: str | None = None,
    county_id: int | None = None,
    level: SchoolLevel | None = None,
    city_id: int | None = None,
) -> sa.Select[School]:
    """Schools the viewer may see, filtered and ordered for a list page."""
    stmt = sa.select(School).where(school_filter(viewer, School.id, School.county_id))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(sa.or_(School.name.ilike(like), School.code.like(like), School.address.ilike(like)))
    if county_id:
        stmt = stmt.where(School.county_id == county_id)
    if city_id:
        stmt = stmt.where(School.county_id.in_(County.ids_of_city(city_id)))
    if level:
        stmt = stmt.where(School.level == level)
    return stmt.order_by(School.county_id, School.code)
