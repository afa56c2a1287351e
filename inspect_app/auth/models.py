from __future__ import annotations

import secrets
import typing as t
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from flask_login import UserMixin
from sqlalchemy import orm
from sqlalchemy.ext.hybrid import hybrid_method
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from ..core.roles import ROLE_LABELS as ROLE_LABELS
from ..core.roles import Role as Role
from ..db import TimestampMixin
from ..db import enum_column
from ..db import utcnow
from ..extensions import Model
from ..schools.models import County

if t.TYPE_CHECKING:
    from ..schools.models import City
    from ..schools.models import School


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


def hash_password(password: str) -> str:
    """A salted hash of ``password`` by the configured method (scrypt unless the config says otherwise)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


class User(UserMixin, TimestampMixin, Model):
    __tablename__ = "users"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    username: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    display_name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    password_hash: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    role: orm.Mapped[Role] = orm.mapped_column(enum_column(Role))
    # The level an account works at: the province (no city, no county), a city, or a county.
    # Supervisor/viewer: the region they oversee. Inspector: their home city and county, which they may
    # not inspect in a cross-inspection. A county account's city is its county's.
    city_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("cities.id"), index=True)
    county_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("counties.id"), index=True)
    school_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("schools.id"), index=True)
    phone: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    email: orm.Mapped[str | None] = orm.mapped_column(sa.String(128))
    active: orm.Mapped[bool] = orm.mapped_column(default=True)
    locale: orm.Mapped[str | None] = orm.mapped_column(sa.String(8))
    # Folded into the session cookie and the remember-me cookie (get_id); rotated on logout, password
    # change, deactivation and "sign out everywhere", which makes every copy of those cookies worthless.
    session_token: orm.Mapped[str] = orm.mapped_column(sa.String(32), default=new_session_token)
    # A password someone else set (an administrator): every page but the change form leads there.
    must_change_password: orm.Mapped[bool] = orm.mapped_column(default=False, server_default=sa.false())
    last_login_at: orm.Mapped[datetime | None]

    city: orm.Mapped[City | None] = orm.relationship()
    county: orm.Mapped[County | None] = orm.relationship()
    school: orm.Mapped[School | None] = orm.relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def scope_county_ids(self) -> frozenset[int] | None:
        """The counties whose schools this account oversees; None for all of them (administrators, province staff).

        Read once per loaded account: a request loads its user afresh.
        """
        if self.role == Role.ADMIN:
            return None
        if self.county_id is not None:
            return frozenset({self.county_id})
        if self.city_id is None:
            return None
        cached = self.__dict__.get("_scope_county_ids")
        if cached is None:
            session = orm.object_session(self)
            rows: t.Iterable[int] = (session.scalars(County.ids_of_city(self.city_id))
                                     if session is not None else ())
            cached = self.__dict__["_scope_county_ids"] = frozenset(rows)
        return t.cast(frozenset[int], cached)

    def _responsible_for(self, county_id: int, city_id: int) -> bool:
        return self.county_id == county_id if self.county_id is not None else self.city_id == city_id

    @classmethod
    def _responsible_for_sql(cls, county_id: int, city_id: int) -> sa.ColumnElement[bool]:
        return sa.or_(cls.county_id == county_id, sa.and_(cls.county_id.is_(None), cls.city_id == city_id))

    #: Whether the account answers for a school of ``county_id`` in ``city_id``: the county's own, or its
    #: city's (an account of no county). The province's staff answer for none of them one by one; they see
    #: every school, and are told of what is sent up to them (报送). Python and SQL alike.
    responsible_for = hybrid_method(_responsible_for, _responsible_for_sql)

    @property
    def level(self) -> str:
        """Where the account works: "province", "city", "county" or "school"."""
        if self.school_id is not None:
            return "school"
        if self.county_id is not None:
            return "county"
        return "city" if self.city_id is not None else "province"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(Model):
    """A personal API token (``Authorization: Bearer TOKEN``); only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    # The token's first characters, to tell tokens apart in lists ("ins_AbC123…").
    prefix: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    last_used_at: orm.Mapped[datetime | None]
    revoked_at: orm.Mapped[datetime | None]
    # None only for tokens made before tokens expired.
    expires_at: orm.Mapped[datetime | None]

    user: orm.Mapped[User] = orm.relationship()

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginAttempt(Model):
    """Failed sign-ins counted for one account name or one client address, and the lock they earned.

    Kept in the database so that every application process sees the same count and lock.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    # "account" (the user name as typed, lower-cased, whether or not it exists) or "address".
    scope: orm.Mapped[str] = orm.mapped_column(sa.String(8))
    key: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    # Failures since window_started_at; the count starts again once the window has passed.
    failures: orm.Mapped[int] = orm.mapped_column(default=0)
    window_started_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    # How many locks in a row (each twice as long as the one before) and when the last one ends.
    locks: orm.Mapped[int] = orm.mapped_column(default=0)
    locked_until: orm.Mapped[datetime | None]
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)
