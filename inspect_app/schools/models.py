from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from ..db import TimestampMixin
from ..db import enum_column
from ..extensions import Model


class SchoolLevel(StrEnum):
    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    JUNIOR = "junior"
    SENIOR = "senior"
    VOCATIONAL = "vocational"
    NINE_YEAR = "nine_year"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])

    @property
    def zh(self) -> str:
        return LEVEL_ZH[self]


LEVEL_LABELS = {
    SchoolLevel.PRESCHOOL: _l("Preschool"),
    SchoolLevel.PRIMARY: _l("Primary"),
    SchoolLevel.JUNIOR: _l("Junior secondary"),
    SchoolLevel.SENIOR: _l("Senior secondary"),
    SchoolLevel.VOCATIONAL: _l("Vocational"),
    SchoolLevel.NINE_YEAR: _l("Nine-year school"),
    SchoolLevel.COMPLETE: _l("Complete secondary"),
}

# The names used in rosters, import sheets and formal reports, whatever the UI language.
LEVEL_ZH = {
    SchoolLevel.PRESCHOOL: "学前",
    SchoolLevel.PRIMARY: "小学",
    SchoolLevel.JUNIOR: "初中",
    SchoolLevel.SENIOR: "高中",
    SchoolLevel.VOCATIONAL: "中职",
    SchoolLevel.NINE_YEAR: "九年一贯制",
    SchoolLevel.COMPLETE: "完全中学",
}


class Province(Model):
    """A province (省): its 学生资助管理中心 guides the cities, inspects them and receives their reports."""

    __tablename__ = "provinces"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(32), unique=True)
    # GB/T 2260 administrative division code, where known (610000).
    code: orm.Mapped[str | None] = orm.mapped_column(sa.String(6), unique=True)
    # The issuing office of its documents (陕西省学生资助管理中心).
    org_name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    position: orm.Mapped[int] = orm.mapped_column(default=0)

    cities: orm.Mapped[list[City]] = orm.relationship(back_populates="province", order_by="City.position")

    def __repr__(self) -> str:
        return f"<Province {self.name}>"


class City(Model):
    """A prefecture-level city (地级市) of a province, with its own 学生资助管理中心."""

    __tablename__ = "cities"
    __table_args__ = (sa.UniqueConstraint("province_id", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    province_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("provinces.id"), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    code: orm.Mapped[str | None] = orm.mapped_column(sa.String(6), unique=True)
    org_name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    position: orm.Mapped[int] = orm.mapped_column(default=0)

    province: orm.Mapped[Province] = orm.relationship(back_populates="cities")
    counties: orm.Mapped[list[County]] = orm.relationship(back_populates="city", order_by="County.position")

    def __repr__(self) -> str:
        return f"<City {self.name}>"


class County(Model):
    """A county-level unit (区县) of a city."""

    __tablename__ = "counties"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    city_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("cities.id"), index=True)
    # Unique in the install: county names do not repeat within a province.
    name: orm.Mapped[str] = orm.mapped_column(sa.String(32), unique=True)
    # GB/T 2260 administrative division code, where known.
    code: orm.Mapped[str | None] = orm.mapped_column(sa.String(6), unique=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)

    city: orm.Mapped[City] = orm.relationship(back_populates="counties")

    @classmethod
    def ids_of_city(cls, city_id: int) -> sa.Select[int]:
        """The ids of a city's counties, as a subquery: the lists' ``city`` filter, a city account's region."""
        return sa.select(cls.id).where(cls.city_id == city_id)

    def __repr__(self) -> str:
        return f"<County {self.name}>"


class School(TimestampMixin, Model):
    __tablename__ = "schools"
    # The read API's pages (api/services.py) walk rows in this order.
    __table_args__ = (sa.Index("ix_schools_updated_at_id", "updated_at", "id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    # 学校标识码: the national 10-digit school identifier.
    code: orm.Mapped[str] = orm.mapped_column(sa.String(10), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(128), index=True)
    county_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("counties.id"), index=True)
    level: orm.Mapped[SchoolLevel] = orm.mapped_column(enum_column(SchoolLevel))
    address: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    contact_name: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    contact_phone: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    latitude: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(9, 6))
    longitude: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(9, 6))
    active: orm.Mapped[bool] = orm.mapped_column(default=True)

    county: orm.Mapped[County] = orm.relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<School {self.code} {self.name}>"
