"""Who may see and do what: the building blocks every feature's checks are made of.

A route a role can never use answers 403 (:func:`roles_required`). An object outside the user's scope
answers 404 (:func:`ensure`), so that its existence is not revealed. The checks on a feature's objects
(``can_view_visit``, ``can_work_on_rectification``…) live in that feature's ``permissions`` module and are
written with the pieces here: the staff roles, the county test and the scope filters, which take the
columns (or the subquery of ids) to restrict, so that this module knows no feature's models.
"""

from __future__ import annotations

import functools
import typing as t

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from flask_login import login_required

from .roles import Role

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

STAFF = (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)
MANAGERS = (Role.ADMIN, Role.SUPERVISOR)


class Viewer(t.Protocol):
    """What a permission check reads of an account (``auth.models.User`` is one)."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...

    # Staff: the county overseen (None = the whole city). Inspector: the home county.
    @property
    def county_id(self) -> int | None: ...

    # School contact: their school.
    @property
    def school_id(self) -> int | None: ...


def roles_required(*roles: Role) -> t.Callable[[F], F]:
    """Require a logged-in user holding one of ``roles``; others get 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return t.cast(F, login_required(wrapped))

    return decorator


def ensure(condition: bool) -> None:
    """Answer 404 unless ``condition`` holds (object outside the user's scope)."""
    if not condition:
        abort(404)


def county_ok(viewer: Viewer, county_id: int | None) -> bool:
    """Whether objects of ``county_id`` lie in the viewer's county: any for administrators and city-wide
    accounts (no county), else only their own county's."""
    return viewer.role == Role.ADMIN or viewer.county_id is None or viewer.county_id == county_id


def school_filter(
    viewer: Viewer,
    school_id_col: t.Any,
    county_id_col: t.Any,
    inspector_school_ids: sa.Select[int] | None = None,
) -> sa.ColumnElement[bool]:
    """A WHERE clause restricting rows to the schools ``viewer`` may see.

    Administrators see every school, supervisors and viewers those of their county (all when city-wide),
    a school contact their school, an inspector the schools in ``inspector_school_ids`` (none without it).
    """
    if viewer.role == Role.ADMIN:
        return sa.true()
    if viewer.role in (Role.SUPERVISOR, Role.VIEWER):
        return sa.true() if viewer.county_id is None else county_id_col == viewer.county_id
    if viewer.role == Role.SCHOOL:
        return school_id_col == viewer.school_id if viewer.school_id is not None else sa.false()
    if viewer.role == Role.INSPECTOR and inspector_school_ids is not None:
        return school_id_col.in_(inspector_school_ids)
    return sa.false()


def campaign_filter(
    viewer: Viewer,
    campaign_id_col: t.Any,
    campaign_county_col: t.Any,
    county_campaign_ids: sa.Select[int],
) -> sa.ColumnElement[bool]:
    """A WHERE clause restricting campaigns to those a staff user may see.

    City-wide staff see all; county staff the campaigns of their county and ``county_campaign_ids``
    (those touching their county); other roles none.
    """
    if viewer.role == Role.ADMIN or (viewer.role in STAFF and viewer.county_id is None):
        return sa.true()
    if viewer.role in STAFF:
        return sa.or_(campaign_county_col == viewer.county_id, campaign_id_col.in_(county_campaign_ids))
    return sa.false()
