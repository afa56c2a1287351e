"""Accounts: create, authenticate, change and deactivate."""

from __future__ import annotations

import hashlib
import re
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit import services as audit
from ..db import utcnow
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import County
from ..schools.models import School
from .models import ApiToken
from .models import Role
from .models import User
from .models import new_session_token

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
MIN_PASSWORD = 8
USER_FIELDS = ("username", "display_name", "role", "county_id", "school_id", "active", "phone", "email")


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD))


def find_county(name: str) -> County:
    county = db.session.scalar(sa.select(County).where(County.name == name.strip()))
    if county is None:
        known = "、".join(db.session.scalars(sa.select(County.name).order_by(County.position, County.id)))
        raise ValidationFailed(_("Unknown county “%(name)s”. Known counties: %(known)s", name=name, known=known))
    return county


def find_school(code_or_name: str) -> School:
    key = code_or_name.strip()
    school = db.session.scalar(sa.select(School).where(sa.or_(School.code == key, School.name == key)))
    if school is None:
        raise ValidationFailed(_("No school with code or name “%(key)s”.", key=key))
    return school


def create_user(
    username: str,
    *,
    role: Role,
    password: str,
    display_name: str | None = None,
    county: County | None = None,
    school: School | None = None,
    phone: str | None = None,
    email: str | None = None,
    password_hash: str | None = None,
    actor: User | None,
) -> User:
    """Create an account; the role decides which of county and school it needs.

    ``password_hash``, if given, is a hash of ``password`` made before (:func:`~.models.hash_password`),
    stored as it is: accounts created together with one password (the demo's) are hashed once.
    """
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            _("A user name has 3–64 letters, digits, dots, dashes or underscores: “%(name)s” does not.",
              name=username)
        )
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(_("The user name “%(name)s” is taken.", name=username))
    validate_password(password)
    if role == Role.SCHOOL and school is None:
        raise ValidationFailed(_("A school contact needs a school."))
    if role != Role.SCHOOL and school is not None:
        raise ValidationFailed(_("Only school contacts belong to a school."))
    if role == Role.ADMIN and county is not None:
        raise ValidationFailed(_("Administrators have no county."))
    if role == Role.SCHOOL:
        county = school.county if school else None
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        role=role,
        county_id=county.id if county else None,
        school_id=school.id if school else None,
        phone=phone or None,
        email=email or None,
    )
    if password_hash is None:
        user.set_password(password)
    else:
        user.password_hash = password_hash
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, after=audit.snapshot(user, USER_FIELDS))
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, new_password: str, *, actor: User) -> None:
    """Set a new password and end the user's other sessions."""
    validate_password(new_password)
    user.set_password(new_password)
    audit.record(actor, "user.password", user)


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


def issue_token(user: User, *, name: str | None = None, actor: User | None) -> tuple[ApiToken, str]:
    """Make a personal API token for ``user``; the token itself is returned once and never stored."""
    if not user.active:
        raise ValidationFailed(_("Account %(name)s is inactive.", name=user.username))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10],
                   name=(name or "").strip()[:64] or None)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "token.issue", user, after={"token": row.prefix, "name": row.name})
    return row, token


def user_for_token(token: str) -> User | None:
    """The active user holding this unrevoked token, or None; notes when it was last used (the caller commits)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                                      ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    now = utcnow()
    # One write an hour at most: a busy integration should not rewrite the row on every call.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 3600:
        row.last_used_at = now
    return row.user


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(row: ApiToken, *, actor: User | None) -> None:
    """Revoke a token: requests that carry it get 401 from now on."""
    if row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    audit.record(actor, "token.revoke", row.user, after={"token": row.prefix, "name": row.name})
