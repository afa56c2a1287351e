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

    # Staff: the city and county overseen (neither = the whole province). Inspector: the home ones.
    @property
    def city_id(self) -> int | None: ...

    @property
    def county_id(self) -> int | None: ...

    # The counties of the region the account works in; None for all of them.
    @property
    def scope_county_ids(self) -> frozenset[int] | None: ...

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
    """Whether objects of ``county_id`` lie in the viewer's region: any for administrators and province
    accounts, the counties of their city for city accounts, their own county's for county accounts."""
    counties = viewer.scope_county_ids
    return counties is None or county_id in counties


def in_region(viewer: Viewer, county_id_col: t.Any) -> sa.ColumnElement[bool]:
    """A WHERE clause keeping the rows whose county lies in the viewer's region (see :func:`county_ok`)."""
    counties = viewer.scope_county_ids
    if counties is None:
        return sa.true()
    if len(counties) == 1:
        return county_id_col == next(iter(counties))
    return county_id_col.in_(sorted(counties)) if counties else sa.false()


def owns_region(viewer: Viewer, city_id: int | None, county_id: int | None) -> bool:
    """Whether staff ``viewer`` works at or above the region of an object owned by a region (a campaign, a
    roster check): a county's object by its county or city, a city's by its city, anyone's by the province."""
    if viewer.role == Role.ADMIN or (viewer.role in STAFF and viewer.scope_county_ids is None):
        return True
    if viewer.role not in STAFF:
        return False
    if viewer.county_id is not None:
        return county_id == viewer.county_id
    return viewer.city_id is not None and city_id == viewer.city_id


def owned_in_region(viewer: Viewer, city_id_col: t.Any, county_id_col: t.Any) -> sa.ColumnElement[bool]:
    """:func:`owns_region` as a WHERE clause over an owning city and county column."""
    if viewer.role == Role.ADMIN or (viewer.role in STAFF and viewer.scope_county_ids is None):
        return sa.true()
    if viewer.role not in STAFF:
        return sa.false()
    if viewer.county_id is not None:
        return county_id_col == viewer.county_id
    return city_id_col == viewer.city_id if viewer.city_id is not None else sa.false()


def region_wide(viewer: Viewer) -> bool:
    """Staff who oversee more than one county: a city's or the province's (and administrators)."""
    return viewer.role == Role.ADMIN or (viewer.role in STAFF and viewer.county_id is None)


def school_filter(
    viewer: Viewer,
    school_id_col: t.Any,
    county_id_col: t.Any,
    inspector_school_ids: sa.Select[int] | None = None,
) -> sa.ColumnElement[bool]:
    """A WHERE clause restricting rows to the schools ``viewer`` may see.

    Administrators see every school, supervisors and viewers those of their region (province, city or
    county), a school contact their school, an inspector the schools in ``inspector_school_ids`` (none
    without it).
    """
    if viewer.role == Role.ADMIN:
        return sa.true()
    if viewer.role in (Role.SUPERVISOR, Role.VIEWER):
        return in_region(viewer, county_id_col)
    if viewer.role == Role.SCHOOL:
        return school_id_col == viewer.school_id if viewer.school_id is not None else sa.false()
    if viewer.role == Role.INSPECTOR and inspector_school_ids is not None:
        return school_id_col.in_(inspector_school_ids)
    return sa.false()


def campaign_filter(
    viewer: Viewer,
    campaign_id_col: t.Any,
    campaign_city_col: t.Any,
    campaign_county_col: t.Any,
    region_campaign_ids: sa.Select[int],
) -> sa.ColumnElement[bool]:
    """A WHERE clause restricting campaigns to those a staff user may see.

    Administrators and province staff see all; city staff their city's campaigns (its counties' among
    them), county staff their county's, and both the campaigns of ``region_campaign_ids`` (those visiting
    schools of their region: a province's or a city's campaign that reaches them); other roles none.
    """
    if viewer.role == Role.ADMIN or (viewer.role in STAFF and viewer.scope_county_ids is None):
        return sa.true()
    if viewer.role not in STAFF:
        return sa.false()
    return sa.or_(owned_in_region(viewer, campaign_city_col, campaign_county_col),
                  campaign_id_col.in_(region_campaign_ids))
