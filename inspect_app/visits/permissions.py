"""Who may see, fill and review a visit, and the schools an inspector's visits reach."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa

from ..core import permissions as core
from ..core.permissions import MANAGERS
from ..core.permissions import STAFF
from ..core.permissions import Viewer
from ..core.permissions import county_ok
from ..core.roles import Role
from .models import Visit
from .models import VisitInspector


def assigned_school_ids(user: Viewer) -> sa.Select[int]:
    """The schools of the visits ``user`` is assigned to."""
    return (
        sa.select(Visit.school_id)
        .join(VisitInspector, VisitInspector.visit_id == Visit.id)
        .where(VisitInspector.user_id == user.id)
    )


def assigned_visit_ids(user: Viewer) -> sa.Select[int]:
    """The visits ``user`` is assigned to."""
    return sa.select(VisitInspector.visit_id).where(VisitInspector.user_id == user.id)


def school_filter(viewer: Viewer, school_id_col: t.Any, county_id_col: t.Any) -> sa.ColumnElement[bool]:
    """A WHERE clause restricting rows to the schools ``viewer`` may see, an inspector's assigned ones included."""
    return core.school_filter(viewer, school_id_col, county_id_col, assigned_school_ids(viewer))


def is_assigned(user: Viewer, visit: Visit) -> bool:
    return any(a.user_id == user.id for a in visit.assignments)


def can_view_visit(user: Viewer, visit: Visit) -> bool:
    if user.role in STAFF:
        return county_ok(user, visit.school.county_id)
    if user.role == Role.INSPECTOR:
        return is_assigned(user, visit)
    return False


def visit_filter(viewer: Viewer, county_id_col: t.Any) -> sa.ColumnElement[bool]:
    """The SQL twin of :func:`can_view_visit`: a WHERE clause on ``Visit`` (``county_id_col`` the county of the
    visit's school, joined by the caller) keeping the visits ``viewer`` may see."""
    if viewer.role in STAFF:
        return core.school_filter(viewer, Visit.school_id, county_id_col)
    if viewer.role == Role.INSPECTOR:
        return Visit.id.in_(assigned_visit_ids(viewer))
    return sa.false()


def can_fill_visit(user: Viewer, visit: Visit) -> bool:
    return user.role == Role.INSPECTOR and is_assigned(user, visit) and visit.status.editable


def can_review_visit(user: Viewer, visit: Visit) -> bool:
    return user.role in MANAGERS and county_ok(user, visit.school.county_id)
