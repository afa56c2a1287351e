"""Accounts: create, authenticate, change and deactivate; sessions, sign-in throttling and API tokens."""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from ..audit import services as audit
from ..core.database import commit_before_slow_work
from ..db import utcnow
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import City
from ..schools.models import County
from ..schools.models import School
from ..schools.services import find_school as find_school
from . import passwords
from . import throttle
from .models import ApiToken
from .models import Role
from .models import User
from .models import new_session_token

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
MIN_PASSWORD = passwords.MIN_LENGTH
USER_FIELDS = ("username", "display_name", "role", "city_id", "county_id", "school_id", "active", "phone", "email")


class LoginLocked(ServiceError):
    """Too many failed sign-ins for the account name or the client address; ``until`` says when to retry."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(ngettext("Too many failed sign-ins. Try again in %(num)d minute.",
                                  "Too many failed sign-ins. Try again in %(num)d minutes.", minutes))


def password_weakness(password: str, *, username: str | None = None, display_name: str | None = None,
                      school: School | None = None) -> str | None:
    """Why a new password is refused, or None: the one rule for every place a password is set."""
    min_score = current_app.config["PASSWORD_MIN_SCORE"] if has_app_context() else passwords.MIN_SCORE
    personal = (username, display_name, school.code if school else None)
    return passwords.weakness(password, personal=personal, min_score=int(min_score))


def validate_password(password: str, *, username: str | None = None, display_name: str | None = None,
                      school: School | None = None) -> None:
    """Refuse a password that is short, common, easy to guess or made of the person's own words."""
    problem = password_weakness(password, username=username, display_name=display_name, school=school)
    if problem:
        raise ValidationFailed(problem)


def find_county(name: str) -> County:
    county = db.session.scalar(sa.select(County).where(County.name == name.strip()))
    if county is None:
        known = "、".join(db.session.scalars(sa.select(County.name).order_by(County.position, County.id)))
        raise ValidationFailed(_("Unknown county “%(name)s”. Known counties: %(known)s", name=name, known=known))
    return county



def create_user(
    username: str,
    *,
    role: Role,
    password: str,
    display_name: str | None = None,
    county: County | None = None,
    city: City | None = None,
    school: School | None = None,
    phone: str | None = None,
    email: str | None = None,
    password_hash: str | None = None,
    actor: User | None,
    must_change_password: bool | None = None,
    check_strength: bool = True,
) -> User:
    """Create an account; the role decides which of county and school it needs.

    Its level is the province's without city and county, a city's with ``city`` alone, and a county's
    with ``county`` (whose city it takes).

    ``password_hash``, if given, is a hash of ``password`` made before (:func:`~.models.hash_password`),
    stored as it is: accounts created together with one password (the demo's) are hashed once.
    A password set by someone else (``actor`` given) must be changed at first sign-in unless
    ``must_change_password`` says otherwise. ``check_strength=False`` is for the demo's and the test
    suite's documented passwords only.
    """
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            _("A user name has 3–64 letters, digits, dots, dashes or underscores: “%(name)s” does not.",
              name=username)
        )
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(_("The user name “%(name)s” is taken.", name=username))
    if check_strength:
        validate_password(password, username=username, display_name=display_name, school=school)
    if role == Role.SCHOOL and school is None:
        raise ValidationFailed(_("A school contact needs a school."))
    if role != Role.SCHOOL and school is not None:
        raise ValidationFailed(_("Only school contacts belong to a school."))
    if role == Role.ADMIN and (county is not None or city is not None):
        raise ValidationFailed(_("Administrators have no county."))
    if role == Role.SCHOOL:
        county = school.county if school else None
    if county is not None and city is not None and county.city_id != city.id:
        raise ValidationFailed(_("The county “%(county)s” is not in %(city)s.", county=county.name, city=city.name))
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        role=role,
        city_id=county.city_id if county else (city.id if city else None),
        county_id=county.id if county else None,
        school_id=school.id if school else None,
        phone=phone or None,
        email=email or None,
        must_change_password=actor is not None if must_change_password is None else must_change_password,
    )
    if password_hash is None:
        user.set_password(password)
    else:
        user.password_hash = password_hash
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, after=audit.snapshot(user, USER_FIELDS))
    return user


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _hash_method() -> str:
    return str(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")) if has_app_context() else "scrypt"


def authenticate(username: str, password: str, *, address: str | None = None) -> User | None:
    """Return the active user with these credentials, or None after counting the failure.

    Raises :class:`LoginLocked` when the account name or the address is locked, and when this failure
    earns a lock (the failure is flushed first: the caller commits before answering). An unknown name
    costs the same hash check as a known one, and is counted and locked the same way.
    """
    now = utcnow()
    until = throttle.locked_until(username, address, now)
    if until is not None:
        raise LoginLocked(until, now)
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    # An unknown name is checked against a hash all the same, so that its answer takes as long.
    stored, active = (user.password_hash, user.active) if user is not None else (_dummy_hash(_hash_method()), False)
    commit_before_slow_work()  # the hash check takes a tenth of a second: no writer waits for it
    valid = check_password_hash(stored, password) and active
    if user is None or not valid:
        locked = throttle.note_failure(username, address, now)
        details = {"username": username.strip()[:64], "address": address}
        audit.record(None, "auth.failure", user, object_type="users", after=details)
        if locked is not None:
            audit.record(None, "auth.lock", user, object_type="users", after={**details, "until": locked})
            raise LoginLocked(locked, now)
        return None
    throttle.forget(username)
    user.last_login_at = now
    audit.record(user, "auth.login", user, after={"address": address})
    return user


def logout(user: User, *, address: str | None = None) -> None:
    """End the user's sessions on the server: every copy of the session and remember-me cookies stops working."""
    user.session_token = new_session_token()
    audit.record(user, "auth.logout", user, after={"address": address})


def sign_out_everywhere(user: User, *, actor: User | None, address: str | None = None) -> None:
    """End every session of ``user`` (browsers and remembered devices; API tokens stay valid)."""
    user.session_token = new_session_token()
    audit.record(actor, "user.signout", user, after={"address": address})


def change_password(user: User, new_password: str, *, actor: User, address: str | None = None) -> None:
    """Set a new password and end the user's other sessions; one an administrator sets is temporary."""
    validate_password(new_password, username=user.username, display_name=user.display_name, school=user.school)
    user.set_password(new_password)
    user.must_change_password = actor.id != user.id
    audit.record(actor, "user.password", user, after={"address": address})


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Activate or deactivate an account; deactivation ends its sessions."""
    if user.id == actor.id and not active:
        raise ServiceError(_("You cannot deactivate your own account."))
    before = audit.snapshot(user, ("active",))
    user.active = active
    if not active:
        user.session_token = new_session_token()
    audit.record(actor, "user.activate" if active else "user.deactivate", user, before=before,
                 after=audit.snapshot(user, ("active",)))


TOKEN_PREFIX = "ins_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User, *, name: str | None = None, days: int | None = None, actor: User | None,
                address: str | None = None) -> tuple[ApiToken, str]:
    """Make a personal API token for ``user``, valid ``days`` days (``API_TOKEN_DAYS`` when not given).

    The token itself is returned once and never stored.
    """
    if not user.active:
        raise ValidationFailed(_("Account %(name)s is inactive.", name=user.username))
    if days is None:
        days = int(current_app.config["API_TOKEN_DAYS"]) if has_app_context() else 180
    if not 1 <= days <= 3660:
        raise ValidationFailed(_("A token lasts from 1 to %(n)d days.", n=3660))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10],
                   name=(name or "").strip()[:64] or None, created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "token.issue", user, after={"token": row.prefix, "name": row.name,
                                                    "expires_at": row.expires_at, "address": address})
    return row, token


def user_for_token(token: str) -> User | None:
    """The active user holding this unrevoked, unexpired token, or None; notes when it was last used.

    The caller commits.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                                      ApiToken.revoked_at.is_(None)))
    now = utcnow()
    if row is None or not row.is_valid(now) or not row.user.active:
        return None
    # One write an hour at most: a busy integration should not rewrite the row on every call.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 3600:
        row.last_used_at = now
    return row.user


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(row: ApiToken, *, actor: User | None, address: str | None = None) -> None:
    """Revoke a token: requests that carry it get 401 from now on."""
    if row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    audit.record(actor, "token.revoke", row.user, after={"token": row.prefix, "name": row.name, "address": address})
