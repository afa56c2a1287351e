"""Declarative base, column types and the clock every timestamp comes from."""

from __future__ import annotations

import contextlib
import typing as t
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.types import TypeDecorator

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so naive values read back are UTC by construction.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(orm.DeclarativeBase):
    registry = orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            Decimal: sa.Numeric(14, 2),
            dict[str, t.Any]: sa.JSON(),
            list[t.Any]: sa.JSON(),
        },
    )


def enum_column(enum_cls: type, **kw: t.Any) -> sa.Enum:
    """A portable enum column storing the member values as short strings."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        **kw,
    )


_frozen: list[datetime] = []


def utcnow() -> datetime:
    """Return the current time in UTC (or the frozen time, see :func:`frozen_time`)."""
    if _frozen:
        return _frozen[-1]
    return datetime.now(UTC)


def local_today() -> date:
    """Return today's date in Asia/Shanghai, the calendar every deadline uses."""
    return utcnow().astimezone(LOCAL_TZ).date()


@contextlib.contextmanager
def frozen_time(at: datetime) -> Iterator[None]:
    """Make :func:`utcnow` return ``at`` inside the block (demo history, tests)."""
    if at.tzinfo is None:
        raise ValueError("frozen_time needs an aware datetime")
    _frozen.append(at.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.pop()


class TimestampMixin:
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)
